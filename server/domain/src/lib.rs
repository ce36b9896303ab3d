//! Gatehouse's domain: everything that is true without a browser or HTTP.

pub mod accounts;
pub mod admin;
pub mod audit;
pub mod audit_query;
pub mod clock;
pub mod crypto;
pub mod error;
pub mod notifications;
pub mod oauth;
pub mod policy;
pub mod rate_limit;
pub mod scopes;
pub mod store;
pub mod tokens;
pub mod webhooks;

pub use error::{Error, Result};
