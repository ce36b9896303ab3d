//! HTTP layers: origin check for browser writes, request ids and request logging.

pub mod origin;
pub mod server_fn_errors;
pub mod trace;
