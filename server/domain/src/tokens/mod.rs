//! Personal access tokens: the format, the allowlist, the service that creates, lists, revokes and
//! regenerates them, the verifier on the request path, what they did (activity), when they end
//! (expiry) and leak reports.

pub mod activity;
pub mod allowlist;
mod expiry;
pub mod format;
mod leaks;
mod personal;
mod verify;

pub use activity::{ActivityBuffer, ActivityPage, ActivityRecord, BufferStats};
pub use expiry::{NOTICE_BEFORE, SweepReport, UpcomingEnd};
pub use leaks::{LEAKED_REASON, MAX_LEAK_REPORT};
pub use personal::{ENDED_VISIBLE_FOR, Expiry, NewToken, PRESET_DAYS, TokenInfo, TokenStatus, Tokens};
pub use verify::{CACHE_CAPACITY, CACHE_TTL, Caller, Credential, Owner, Principal, Refusal, VerifyError};
