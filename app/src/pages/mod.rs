//! One file per page.

pub mod account;
pub mod home;
pub mod not_found;
pub mod recovery_sign_in;
pub mod sign_in;
pub mod sign_up;
pub mod totp_challenge;
