//! Personal access tokens: the format, the allowlist, and the service that creates, lists,
//! revokes and regenerates them (verification and activity come next).

pub mod allowlist;
pub mod format;
mod personal;

pub use personal::{Expiry, NewToken, TokenInfo, TokenPolicy, TokenStatus, Tokens, ENDED_VISIBLE_FOR};
