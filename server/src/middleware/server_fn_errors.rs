//! Server functions answer a form they cannot decode with 500 and serde's message, which may quote
//! the submitted value (a password). This turns that into 400 with a fixed, value-free message.

use axum::body::Body;
use axum::extract::Request;
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::Response;

/// server_fn marks its error responses with this header.
const SERVER_FN_ERROR: &str = "serverfnerror";
const DECODE_PREFIXES: [&[u8]; 2] = [b"Args|", b"Deserialization|"];
/// Error bodies are short; anything longer is not a decode error.
const MAX_ERROR_BODY: usize = 16 * 1024;

pub async fn decode_errors_are_bad_requests(req: Request, next: Next) -> Response {
    let res = next.run(req).await;
    if res.status() != StatusCode::INTERNAL_SERVER_ERROR || !res.headers().contains_key(SERVER_FN_ERROR) {
        return res;
    }
    let (mut parts, body) = res.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, MAX_ERROR_BODY).await else {
        return Response::from_parts(parts, Body::empty());
    };
    if DECODE_PREFIXES.iter().any(|p| bytes.starts_with(p)) {
        parts.status = StatusCode::BAD_REQUEST;
        let msg = "Args|The form is incomplete or malformed.";
        parts.headers.insert(header::CONTENT_LENGTH, HeaderValue::from(msg.len()));
        return Response::from_parts(parts, Body::from(msg));
    }
    Response::from_parts(parts, Body::from(bytes))
}
