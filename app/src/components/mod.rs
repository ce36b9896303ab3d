//! Reusable view pieces.

pub mod alert;
pub mod field;
pub mod layout;
pub mod recovery_codes;
pub mod sessions_table;
pub mod totp_setup;
