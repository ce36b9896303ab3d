//! Reusable view pieces.

pub mod admin_nav;
pub mod alert;
pub mod calls_chart;
pub mod confirm;
pub mod field;
pub mod layout;
pub mod pager;
pub mod passkey_sign_in;
pub mod passkeys_section;
pub mod recovery_codes;
pub mod revoke_with_confirm;
pub mod sessions_table;
pub mod secret_once;
pub mod step_up;
pub mod token_once;
pub mod totp_setup;
