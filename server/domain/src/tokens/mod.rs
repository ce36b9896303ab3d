//! Personal access tokens: the format, the allowlist, and the service that creates, lists,
//! revokes and regenerates them, and the verifier on the request path (activity comes next).

pub mod allowlist;
pub mod format;
mod personal;
mod verify;

pub use personal::{Expiry, NewToken, TokenInfo, TokenPolicy, TokenStatus, Tokens, ENDED_VISIBLE_FOR};
pub use verify::{Principal, Refusal, VerifyError, CACHE_TTL};
