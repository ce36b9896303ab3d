//! Server functions and the DTOs they exchange. Bodies are one call into `domain`.

pub mod account;
pub mod admin_users;
pub mod audit_trail;
pub mod auth;
pub mod clients;
pub mod inbox;
pub mod inventory;
pub mod oauth;
pub mod passkeys;
pub mod policy;
pub mod step_up;
pub mod tokens;
pub mod webhooks;

use leptos::prelude::ServerFnError;

/// The message to show a person for a failed server function.
pub fn error_text(e: &ServerFnError) -> String {
    match e {
        ServerFnError::ServerError(m) => m.clone(),
        _ => "Something went wrong. Check your connection and try again.".to_owned(),
    }
}
