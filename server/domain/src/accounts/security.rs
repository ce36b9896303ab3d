//! Changing one's own credentials: password, TOTP enrolment and removal, recovery codes.
//! Each change asks for proof (the current password or a fresh code) and is audited in its transaction.

use super::{Accounts, Password, RecoveryCodes, recovery, totp};
use crate::notifications::{self, Notice, NoticeKind};
use crate::audit::{self, Event, EventType, RequestMeta};
use crate::clock::now_ms;
use crate::store::{accounts as rows, sessions as session_rows};
use crate::{Error, Result};

/// Shown once while enrolling: the QR code and the key as text. Debug is redacted.
pub struct TotpEnrolment {
    pub secret_base32: String,
    pub otpauth_uri: String,
    pub qr_svg: String,
}

impl std::fmt::Debug for TotpEnrolment {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TotpEnrolment(<redacted>)")
    }
}

#[derive(Debug, Clone)]
pub struct MfaStatus {
    pub totp: bool,
    pub recovery_codes_left: i64,
}

impl Accounts {
    pub async fn mfa_status(&self, user_id: &str) -> Result<MfaStatus> {
        let mut conn = self.store.pool().acquire().await?;
        let totp = rows::totp_for_user(&mut conn, user_id).await?.is_some_and(|t| t.status == "active");
        let recovery_codes_left = rows::unused_recovery_codes(&mut conn, user_id).await?;
        Ok(MfaStatus { totp, recovery_codes_left })
    }

    async fn check_password(&self, user_id: &str, password: &str) -> Result<()> {
        let mut conn = self.store.pool().acquire().await?;
        let user = rows::user_by_id(&mut conn, user_id).await?.ok_or(Error::NotFound)?;
        drop(conn);
        if !self.hasher.verify(user.password_hash, password).await?.ok {
            return Err(Error::unauthorized("your current password is wrong"));
        }
        Ok(())
    }

    /// Changes the password and signs out every other session of the account.
    pub async fn change_password(
        &self,
        user_id: &str,
        current: &str,
        new: String,
        keep_session: &str,
        meta: &RequestMeta,
    ) -> Result<()> {
        let new = Password::new(new)?;
        self.check_password(user_id, current).await?;
        let phc = self.hasher.hash(&new).await?;
        let mut tx = self.store.begin().await?;
        rows::set_password_hash(&mut tx, user_id, &phc, now_ms()).await?;
        session_rows::delete_others_for_user(&mut tx, user_id, keep_session).await?;
        audit::record(&mut tx, meta, Event::success(EventType::PasswordChanged, Some(user_id))).await?;
        security_notice(&mut tx, user_id, "Your password was changed; your other sessions were signed out.").await?;
        tx.commit().await?;
        Ok(())
    }

    /// Starts (or restarts) TOTP enrolment with a fresh seed, sealed at rest.
    pub async fn begin_totp_enrolment(&self, user_id: &str, account_label: &str) -> Result<TotpEnrolment> {
        let mut conn = self.store.pool().acquire().await?;
        if rows::totp_for_user(&mut conn, user_id).await?.is_some_and(|t| t.status == "active") {
            return Err(Error::conflict("an authenticator app is already set up; remove it first"));
        }
        let seed = totp::new_seed();
        let sealed = self.master_key.seal(&seed, user_id)?;
        rows::upsert_pending_totp(&mut conn, user_id, &sealed, now_ms()).await?;
        let otpauth_uri = totp::otpauth_uri(&seed, account_label);
        Ok(TotpEnrolment { secret_base32: totp::base32(&seed), qr_svg: totp::qr_svg(&otpauth_uri)?, otpauth_uri })
    }

    /// Confirms enrolment with a code from the app; activates it and returns ten new recovery codes.
    pub async fn confirm_totp_enrolment(&self, user_id: &str, code: &str, meta: &RequestMeta) -> Result<RecoveryCodes> {
        let now = now_ms();
        let mut tx = self.store.begin().await?;
        let cred = rows::totp_for_user(&mut tx, user_id)
            .await?
            .filter(|t| t.status == "pending")
            .ok_or_else(|| Error::invalid("start setting up an authenticator app first"))?;
        let seed = self.master_key.open(&cred.secret_enc, user_id)?;
        let step = totp::matching_step(&seed, code, (now / 1000) as u64, cred.last_step)
            .ok_or_else(|| Error::invalid("that code is wrong; check the time on your device and try again"))?;
        if !rows::consume_totp_step(&mut tx, user_id, step, true).await? {
            return Err(Error::invalid("that code is wrong; check the time on your device and try again"));
        }
        let codes = recovery::generate();
        let hashes: Vec<String> = codes.0.iter().map(|c| recovery::digest(c)).collect();
        rows::replace_recovery_codes(&mut tx, user_id, &hashes, now).await?;
        audit::record(&mut tx, meta, Event::success(EventType::TotpEnrolled, Some(user_id))).await?;
        rows::set_mfa_reset(&mut tx, user_id, None).await?;
        security_notice(&mut tx, user_id, "An authenticator app was set up for your account.").await?;
        tx.commit().await?;
        Ok(codes)
    }

    pub async fn remove_totp(&self, user_id: &str, password: &str, meta: &RequestMeta) -> Result<()> {
        self.check_password(user_id, password).await?;
        let mut tx = self.store.begin().await?;
        if rows::delete_totp(&mut tx, user_id).await? == 0 {
            return Err(Error::NotFound);
        }
        rows::delete_recovery_codes(&mut tx, user_id).await?;
        audit::record(&mut tx, meta, Event::success(EventType::TotpRemoved, Some(user_id))).await?;
        security_notice(&mut tx, user_id, "The authenticator app was removed from your account.").await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn regenerate_recovery_codes(&self, user_id: &str, password: &str, meta: &RequestMeta) -> Result<RecoveryCodes> {
        self.check_password(user_id, password).await?;
        let mut tx = self.store.begin().await?;
        if !rows::totp_for_user(&mut tx, user_id).await?.is_some_and(|t| t.status == "active") {
            return Err(Error::invalid("set up an authenticator app first"));
        }
        let codes = recovery::generate();
        let hashes: Vec<String> = codes.0.iter().map(|c| recovery::digest(c)).collect();
        rows::replace_recovery_codes(&mut tx, user_id, &hashes, now_ms()).await?;
        audit::record(&mut tx, meta, Event::success(EventType::RecoveryCodesRegenerated, Some(user_id))).await?;
        security_notice(&mut tx, user_id, "New recovery codes were made; the old ones no longer work.").await?;
        tx.commit().await?;
        Ok(codes)
    }
}

/// "Your sign-in methods changed" with what changed and when, in the changing transaction.
pub(super) async fn security_notice(conn: &mut sqlx::AnyConnection, user_id: &str, what: &str) -> Result<()> {
    let message = format!("{what} When: {}. If this was not you, tell an admin at once.", crate::clock::format_utc(now_ms()));
    notifications::notify(conn, Notice::new(user_id, NoticeKind::SecurityChanged, message)).await?;
    Ok(())
}
