//! `GET /_userpools/outbox?userPoolId=…&destination=…` (only with `--test-clock`):
//! the messages held in the outbox as JSON, newest first.

use std::sync::Arc;

use axum::extract::State;
use axum::http::{StatusCode, Uri};
use axum::response::{IntoResponse, Response};

use crate::{domain_to_wire, error_response, request_id, AppState};

/// Most messages one answer lists.
const LIMIT: usize = 1000;

/// Percent-decoding of a query value (`+` is a space).
fn decode(value: &str) -> String {
    let bytes = value.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => match u8::from_str_radix(&value[i + 1..i + 3], 16) {
                Ok(b) => {
                    out.push(b);
                    i += 2;
                }
                Err(_) => out.push(b'%'),
            },
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The value of `name` in the query of `uri`.
fn query_value(uri: &Uri, name: &str) -> Option<String> {
    uri.query()?
        .split('&')
        .filter_map(|kv| kv.split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| decode(v))
}

/// The handler.
pub(crate) async fn list(State(state): State<Arc<AppState>>, uri: Uri) -> Response {
    if state.test_clock.is_none() {
        return StatusCode::NOT_FOUND.into_response();
    }
    let pool_id = query_value(&uri, "userPoolId");
    let destination = query_value(&uri, "destination");
    match state
        .service
        .held_messages(pool_id.as_deref(), destination.as_deref(), LIMIT)
        .await
    {
        Ok(rows) => {
            let messages: Vec<serde_json::Value> = rows
                .into_iter()
                .map(|m| {
                    serde_json::json!({
                        "userPoolId": m.pool_id,
                        "username": m.username,
                        "channel": m.channel,
                        "destination": m.destination,
                        "subject": m.subject,
                        "body": m.body,
                        "code": m.code,
                        "purpose": m.purpose,
                        "sentAt": m.sent_ms as f64 / 1000.0,
                    })
                })
                .collect();
            axum::Json(serde_json::json!({ "messages": messages })).into_response()
        }
        Err(error) => error_response(&domain_to_wire(error), &request_id()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_values_are_decoded() {
        let uri: Uri = "/_userpools/outbox?userPoolId=us-east-1_x&destination=a%2Bb%40c.com"
            .parse()
            .unwrap();
        assert_eq!(
            query_value(&uri, "userPoolId").as_deref(),
            Some("us-east-1_x")
        );
        assert_eq!(
            query_value(&uri, "destination").as_deref(),
            Some("a+b@c.com")
        );
        assert_eq!(query_value(&uri, "other"), None);
    }
}
