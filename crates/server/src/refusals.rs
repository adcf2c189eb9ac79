//! AWS-shaped answers for requests refused outside the operations: a body
//! over the limit or not sent in time, an unknown path, a wrong method, and any other error
//! response a route or extractor gives without an AWS error shape.
//!
//! [`answer_refusals`] wraps the whole router. It reads the request body
//! first (up to the limit), so no handler ever leaves body bytes unread on
//! the connection; a refusal is then a JSON error (`__type`, `message`,
//! `x-amzn-ErrorType`), logged like an API request, and the connection stays
//! usable, or is closed with `Connection: close` when the rest of an
//! oversized or unreadable body was not read.

use std::future::poll_fn;
use std::pin::Pin;
use std::time::Instant;

use axum::body::{Body, Bytes, HttpBody};
use axum::extract::Request;
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::Response;
use userpools_wire::WireError;

use crate::connections::RequestDeadline;
use crate::MAX_BODY_BYTES;

/// How many bytes past the limit are read and thrown away so that the
/// refusal reaches the client: a peer still sending when the socket closes
/// gets a reset instead of the answer. Beyond this the connection is closed.
const DRAIN_BYTES: usize = 8 * 1024 * 1024;

/// Longest part of a request path quoted back in a message.
const QUOTED_PATH_CHARS: usize = 256;

/// Why a request was refused outside the operations.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Refusal {
    /// The body is larger than [`MAX_BODY_BYTES`].
    BodyTooLarge,
    /// The body could not be read (bad framing, the peer went away).
    BodyUnreadable,
    /// The request was not received in full within the request timeout (seconds).
    TooSlow(u64),
    /// No route has this path.
    NoRoute,
    /// The path exists but not with this method.
    MethodNotAllowed,
    /// Any other error answer that lacks an AWS error shape.
    Other(StatusCode),
}

impl Refusal {
    fn from_status(status: StatusCode) -> Self {
        match status {
            StatusCode::NOT_FOUND => Refusal::NoRoute,
            StatusCode::METHOD_NOT_ALLOWED => Refusal::MethodNotAllowed,
            StatusCode::PAYLOAD_TOO_LARGE => Refusal::BodyTooLarge,
            other => Refusal::Other(other),
        }
    }

    fn to_wire(self, method: &Method, path: &str) -> WireError {
        let path: String = path.chars().take(QUOTED_PATH_CHARS).collect();
        let (status, type_name, message) = match self {
            Refusal::BodyTooLarge => (
                StatusCode::PAYLOAD_TOO_LARGE,
                "RequestEntityTooLargeException",
                format!("The request body is larger than the {MAX_BODY_BYTES} bytes allowed."),
            ),
            Refusal::BodyUnreadable => (
                StatusCode::BAD_REQUEST,
                "SerializationException",
                "The request body could not be read.".to_owned(),
            ),
            Refusal::TooSlow(seconds) => (
                StatusCode::REQUEST_TIMEOUT,
                "RequestTimeoutException",
                format!("The request was not received in full within {seconds} seconds."),
            ),
            Refusal::NoRoute => (
                StatusCode::NOT_FOUND,
                "UnknownOperationException",
                format!("Unknown operation: no route for {method} {path}"),
            ),
            Refusal::MethodNotAllowed => (
                StatusCode::METHOD_NOT_ALLOWED,
                "UnknownOperationException",
                format!("Unknown operation: {path} does not accept {method}"),
            ),
            Refusal::Other(status) if status.is_server_error() => (
                status,
                "InternalErrorException",
                "Internal server error.".to_owned(),
            ),
            Refusal::Other(status) => (
                status,
                "SerializationException",
                format!(
                    "The request could not be read ({}).",
                    status.canonical_reason().unwrap_or("client error")
                ),
            ),
        };
        WireError {
            type_name: type_name.to_owned(),
            message,
            status: status.as_u16(),
        }
    }
}

/// What reading a request body gave.
enum BodyRead {
    /// The whole body, within the limit.
    Complete(Bytes),
    /// Over the limit; `drained` tells whether it was read to its end.
    TooLarge { drained: bool },
    /// The body stream failed.
    Unreadable,
    /// The body did not arrive in time.
    Late(Refusal),
}

async fn read_body(mut body: Body) -> BodyRead {
    if body.size_hint().lower() > (MAX_BODY_BYTES + DRAIN_BYTES) as u64 {
        return BodyRead::TooLarge { drained: false };
    }
    let mut chunks: Vec<Bytes> = Vec::new();
    let mut received = 0usize;
    while let Some(frame) = poll_fn(|cx| Pin::new(&mut body).poll_frame(cx)).await {
        let Ok(frame) = frame else {
            return BodyRead::Unreadable;
        };
        let Ok(data) = frame.into_data() else {
            continue; // trailers
        };
        received = received.saturating_add(data.len());
        if received > MAX_BODY_BYTES + DRAIN_BYTES {
            return BodyRead::TooLarge { drained: false };
        }
        if received > MAX_BODY_BYTES {
            chunks.clear();
        } else {
            chunks.push(data);
        }
    }
    if received > MAX_BODY_BYTES {
        return BodyRead::TooLarge { drained: true };
    }
    BodyRead::Complete(match chunks.len() {
        1 => chunks.swap_remove(0),
        _ => Bytes::from(chunks.concat()),
    })
}

fn is_aws_shaped(response: &Response) -> bool {
    let status = response.status();
    !(status.is_client_error() || status.is_server_error())
        || response.headers().contains_key("x-amzn-errortype")
}

/// Middleware over the whole router: buffers the body within the limit,
/// then turns every error answer without an AWS error shape into one.
pub(crate) async fn answer_refusals(request: Request, next: Next) -> Response {
    let started = Instant::now();
    let (parts, body) = request.into_parts();
    let method = parts.method.clone();
    let uri = parts.uri.clone();
    let target = parts.headers.get("x-amz-target").cloned();
    let deadline = parts.extensions.get::<RequestDeadline>().copied();
    let read = async {
        match deadline {
            Some(deadline) => tokio::time::timeout_at(deadline.at, read_body(body))
                .await
                .map_err(|_| Refusal::TooSlow(deadline.limit.as_secs())),
            None => Ok(read_body(body).await),
        }
    };
    let read = match read.await {
        Ok(read) => read,
        Err(refusal) => BodyRead::Late(refusal),
    };
    let (refusal, close, allow) = match read {
        BodyRead::Complete(bytes) => {
            let response = next
                .run(Request::from_parts(parts, Body::from(bytes)))
                .await;
            if is_aws_shaped(&response) {
                return response;
            }
            let allow = response.headers().get(header::ALLOW).cloned();
            (Refusal::from_status(response.status()), false, allow)
        }
        BodyRead::TooLarge { drained } => (Refusal::BodyTooLarge, !drained, None),
        BodyRead::Unreadable => (Refusal::BodyUnreadable, true, None),
        BodyRead::Late(refusal) => (refusal, true, None),
    };
    let error = refusal.to_wire(&method, uri.path());
    let request_id = crate::request_id();
    let op = target.as_ref().and_then(|t| t.to_str().ok()).unwrap_or("-");
    tracing::info!(target: "userpools::api", op, status = error.status, error = %error.type_name, elapsed = ?started.elapsed(), request_id, method = %method, path = ?uri.path());
    let mut response = crate::error_response(&error, &request_id);
    add_headers(response.headers_mut(), allow, close);
    response
}

fn add_headers(headers: &mut HeaderMap, allow: Option<HeaderValue>, close: bool) {
    if let Some(allow) = allow {
        headers.insert(header::ALLOW, allow);
    }
    if close {
        headers.insert(header::CONNECTION, HeaderValue::from_static("close"));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refusals_are_aws_errors() {
        let error = Refusal::from_status(StatusCode::NOT_FOUND).to_wire(&Method::POST, "/nope");
        assert_eq!(
            (
                error.status,
                error.type_name.as_str(),
                error.message.as_str()
            ),
            (
                404,
                "UnknownOperationException",
                "Unknown operation: no route for POST /nope"
            )
        );
        let error = Refusal::from_status(StatusCode::METHOD_NOT_ALLOWED).to_wire(&Method::PUT, "/");
        assert_eq!(
            (error.status, error.message.as_str()),
            (405, "Unknown operation: / does not accept PUT")
        );
        let error = Refusal::BodyTooLarge.to_wire(&Method::POST, "/");
        assert_eq!(
            (error.status, error.type_name.as_str()),
            (413, "RequestEntityTooLargeException")
        );
        let error =
            Refusal::from_status(StatusCode::UNSUPPORTED_MEDIA_TYPE).to_wire(&Method::POST, "/");
        assert_eq!(
            (error.status, error.type_name.as_str()),
            (415, "SerializationException")
        );
        let error = Refusal::from_status(StatusCode::BAD_GATEWAY).to_wire(&Method::GET, "/");
        assert_eq!(
            (error.status, error.type_name.as_str()),
            (502, "InternalErrorException")
        );
        let error = Refusal::TooSlow(30).to_wire(&Method::POST, "/");
        assert_eq!(
            (
                error.status,
                error.type_name.as_str(),
                error.message.as_str()
            ),
            (
                408,
                "RequestTimeoutException",
                "The request was not received in full within 30 seconds."
            )
        );
        let long = "/x".repeat(1000);
        let error = Refusal::NoRoute.to_wire(&Method::GET, &long);
        assert!(error.message.len() < QUOTED_PATH_CHARS + 64);
    }

    #[tokio::test]
    async fn bodies_are_read_within_the_limit() {
        let small = Body::from(Bytes::from_static(b"{}"));
        assert!(matches!(read_body(small).await, BodyRead::Complete(b) if b == "{}"));
        let over = Body::from(vec![b'x'; MAX_BODY_BYTES + 1]);
        assert!(matches!(
            read_body(over).await,
            BodyRead::TooLarge { drained: true }
        ));
        let far_over = Body::from(vec![b'x'; MAX_BODY_BYTES + DRAIN_BYTES + 1]);
        assert!(matches!(
            read_body(far_over).await,
            BodyRead::TooLarge { drained: false }
        ));
    }
}
