//! One keep-alive HTTP/1.1 connection per worker, signing every request with SigV4.

use std::sync::Arc;

use anyhow::{bail, Context as _};
use bytes::Bytes;
use http_body_util::{BodyExt as _, Full};
use hyper::client::conn::http1::SendRequest;
use hyper_util::rt::TokioIo;

use crate::sigv4::{Signer, CONTENT_TYPE};

/// Where requests go and how they are signed.
pub struct Target {
    /// `host[:port]` as sent in the `Host` header (and signed).
    host: String,
    /// Address to connect to.
    connect: String,
    signer: Signer,
}

impl Target {
    /// Parses `http://host:port[/]` (only plain HTTP: the load tool talks to loopback).
    pub fn new(endpoint: &str, signer: Signer) -> anyhow::Result<Self> {
        let rest = endpoint
            .strip_prefix("http://")
            .context("the endpoint must be an http:// URL")?;
        let host = rest.trim_end_matches('/');
        if host.is_empty() || host.contains('/') {
            bail!("the endpoint must be http://host:port with no path");
        }
        let connect = if host.contains(':') {
            host.to_owned()
        } else {
            format!("{host}:80")
        };
        Ok(Self {
            host: host.to_owned(),
            connect,
            signer,
        })
    }

    /// The endpoint URL.
    pub fn url(&self) -> String {
        format!("http://{}", self.host)
    }

    /// Address the server listens on (`host:port`).
    pub fn connect_addr(&self) -> &str {
        &self.connect
    }
}

/// The outcome of a failed call.
#[derive(Debug, Clone)]
pub enum CallError {
    /// The connection failed or the response was not HTTP.
    Transport(String),
    /// An error response: status and the error type (`__type` sanitised as SDKs do).
    Api {
        /// HTTP status.
        status: u16,
        /// Error type, e.g. `NotAuthorizedException`.
        kind: String,
        /// Error message, if any.
        message: String,
    },
    /// A 200 whose body was not what the scenario expected.
    Unexpected(String),
}

impl CallError {
    /// The key errors are counted under.
    pub fn kind(&self) -> String {
        match self {
            CallError::Transport(_) => "transport".into(),
            CallError::Api { kind, .. } => kind.clone(),
            CallError::Unexpected(what) => format!("unexpected: {what}"),
        }
    }
}

impl std::fmt::Display for CallError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            CallError::Transport(e) => write!(f, "transport error: {e}"),
            CallError::Api {
                status,
                kind,
                message,
            } => write!(f, "HTTP {status} {kind}: {message}"),
            CallError::Unexpected(what) => write!(f, "unexpected response: {what}"),
        }
    }
}

impl std::error::Error for CallError {}

/// Sanitises an error `__type` like the SDKs: text before `:`, after `#`.
fn sanitise_type(raw: &str) -> String {
    let raw = raw.split(':').next().unwrap_or(raw);
    raw.rsplit('#').next().unwrap_or(raw).to_owned()
}

/// The real time as a SigV4 date (`yyyyMMddTHHmmssZ`) and unix seconds. The load tool is a
/// client and signs with the wall clock, like an SDK.
#[allow(clippy::disallowed_methods)]
pub fn wall_clock() -> (String, i64) {
    let now = time::OffsetDateTime::now_utc();
    let text = format!(
        "{:04}{:02}{:02}T{:02}{:02}{:02}Z",
        now.year(),
        now.month() as u8,
        now.day(),
        now.hour(),
        now.minute(),
        now.second()
    );
    (text, now.unix_timestamp())
}

/// A worker's connection (re-established when the server closes it).
pub struct Conn {
    target: Arc<Target>,
    sender: Option<SendRequest<Full<Bytes>>>,
    /// Connections opened after the first one.
    pub reconnects: u64,
}

impl Conn {
    /// A connection to `target` (opened lazily).
    pub fn new(target: Arc<Target>) -> Self {
        Self {
            target,
            sender: None,
            reconnects: 0,
        }
    }

    async fn connect(&mut self) -> Result<(), CallError> {
        if self.sender.is_some() {
            self.reconnects += 1;
        }
        let stream = tokio::net::TcpStream::connect(self.target.connect_addr())
            .await
            .map_err(|e| CallError::Transport(format!("connect: {e}")))?;
        stream.set_nodelay(true).ok();
        let (sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
            .await
            .map_err(|e| CallError::Transport(format!("handshake: {e}")))?;
        tokio::spawn(async move {
            let _ = connection.await;
        });
        self.sender = Some(sender);
        Ok(())
    }

    fn request(&self, operation: &str, body: Bytes) -> http::Request<Full<Bytes>> {
        let target = format!("AWSCognitoIdentityProviderService.{operation}");
        let (amz_date, _) = wall_clock();
        let signed = self
            .target
            .signer
            .sign(&self.target.host, &target, &body, &amz_date);
        http::Request::builder()
            .method("POST")
            .uri("/")
            .header("host", &self.target.host)
            .header("content-type", CONTENT_TYPE)
            .header("x-amz-target", target)
            .header("x-amz-date", signed.amz_date)
            .header("authorization", signed.authorization)
            .body(Full::new(body))
            .expect("valid request")
    }

    /// Calls `operation` with a JSON body; returns the body of a 200.
    pub async fn call(&mut self, operation: &str, body: Vec<u8>) -> Result<Bytes, CallError> {
        let body = Bytes::from(body);
        let mut attempts = 0;
        let response = loop {
            attempts += 1;
            let closed = self.sender.as_ref().is_none_or(|s| s.is_closed());
            if closed {
                self.connect().await?;
            }
            let request = self.request(operation, body.clone());
            let sender = self.sender.as_mut().expect("connected");
            if sender.ready().await.is_err() {
                self.sender = None;
                if attempts < 3 {
                    continue;
                }
                return Err(CallError::Transport("connection closed".into()));
            }
            match sender.try_send_request(request).await {
                Ok(response) => break response,
                // Not written yet (the server closed an idle connection): retry on a new one.
                Err(e) if e.message().is_some() && attempts < 3 => {
                    self.sender = None;
                    continue;
                }
                Err(e) => {
                    self.sender = None;
                    return Err(CallError::Transport(e.into_error().to_string()));
                }
            }
        };
        let status = response.status().as_u16();
        let header_type = response
            .headers()
            .get("x-amzn-errortype")
            .and_then(|v| v.to_str().ok())
            .map(sanitise_type);
        let body = match response.into_body().collect().await {
            Ok(collected) => collected.to_bytes(),
            Err(e) => {
                self.sender = None;
                return Err(CallError::Transport(format!("body: {e}")));
            }
        };
        if status == 200 {
            return Ok(body);
        }
        let parsed: serde_json::Value = serde_json::from_slice(&body).unwrap_or_default();
        let kind = parsed
            .get("__type")
            .or_else(|| parsed.get("code"))
            .and_then(|v| v.as_str())
            .map(sanitise_type)
            .or(header_type)
            .unwrap_or_else(|| format!("HTTP {status}"));
        let message = parsed
            .get("message")
            .or_else(|| parsed.get("Message"))
            .and_then(|v| v.as_str())
            .unwrap_or_default()
            .to_owned();
        Err(CallError::Api {
            status,
            kind,
            message,
        })
    }

    /// Calls `operation` and parses the 200 body as JSON.
    pub async fn call_json(
        &mut self,
        operation: &str,
        body: &serde_json::Value,
    ) -> Result<serde_json::Value, CallError> {
        let bytes = self
            .call(operation, serde_json::to_vec(body).expect("json"))
            .await?;
        if bytes.is_empty() {
            return Ok(serde_json::Value::Object(Default::default()));
        }
        serde_json::from_slice(&bytes)
            .map_err(|e| CallError::Unexpected(format!("{operation} answered invalid JSON: {e}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_types_are_sanitised_like_sdks() {
        assert_eq!(
            sanitise_type("NotAuthorizedException"),
            "NotAuthorizedException"
        );
        assert_eq!(
            sanitise_type("NotAuthorizedException:http://internal"),
            "NotAuthorizedException"
        );
        assert_eq!(
            sanitise_type("com.amazonaws#ResourceNotFoundException"),
            "ResourceNotFoundException"
        );
    }

    #[test]
    fn endpoints_parse() {
        let t = Target::new("http://127.0.0.1:9229/", Signer::new("a", "b", "us-east-1")).unwrap();
        assert_eq!(t.connect_addr(), "127.0.0.1:9229");
        assert_eq!(t.url(), "http://127.0.0.1:9229");
        assert!(Target::new("https://x", Signer::new("a", "b", "r")).is_err());
    }
}
