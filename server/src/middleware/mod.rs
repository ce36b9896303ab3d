//! HTTP layers: origin check for browser writes, security headers, request ids and request logging.

pub mod bearer;
pub mod origin;
pub mod rate_limit;
pub mod request_limits;
pub mod security_headers;
pub mod server_fn_errors;
pub mod trace;
