//! One file per page.

pub mod account;
pub mod admin_audit;
pub mod admin_credentials;
pub mod admin_policy;
pub mod admin_users;
pub mod admin_webhooks;
pub mod authorized_apps;
pub mod clients;
pub mod consent;
pub mod home;
pub mod inbox;
pub mod new_token;
pub mod not_found;
pub mod recovery_sign_in;
pub mod sign_in;
pub mod sign_up;
pub mod token_detail;
pub mod tokens;
pub mod totp_challenge;
