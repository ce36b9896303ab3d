//! Signing in: the password step, then a TOTP or recovery code when the account has a second factor.
//! Every failure is throttled and audited; an unknown email behaves exactly like a wrong password.

use super::throttle::{self, Key};
use super::{Accounts, User, UserStatus, recovery, totp};
use crate::audit::{self, Event, EventType, RequestMeta};
use crate::clock::{MINUTE, Millis, now_ms};
use crate::store::accounts as rows;
use crate::{Error, Result};

/// How long a correct password waits for its second factor.
pub const PENDING_MFA_TTL: Millis = 5 * MINUTE;

const BAD_CREDENTIALS: &str = "wrong email or password";
const BAD_CODE: &str = "that code is wrong or was already used";

#[derive(Debug)]
pub enum PasswordStep {
    /// Fully signed in.
    SignedIn(User),
    /// The password was right; a TOTP or recovery code must follow.
    SecondFactor { user_id: String },
    /// Signed in, but policy requires a second factor the account lacks: enrol now.
    MustEnrol(User),
}

fn ip_key(meta: &RequestMeta) -> Option<Key> {
    meta.ip.clone().map(Key::Ip)
}

impl Accounts {
    #[tracing::instrument(skip_all)]
    pub async fn sign_in_password(&self, email: &str, password: &str, meta: &RequestMeta) -> Result<PasswordStep> {
        let email = super::Email::parse(email).map_err(|_| Error::unauthorized(BAD_CREDENTIALS))?;
        let now = now_ms();
        let mut conn = self.store.pool().acquire().await?;
        let user = rows::user_by_email(&mut conn, email.as_str()).await?;
        let mut keys = vec![match &user {
            Some(u) => Key::Account(u.id.clone()),
            None => Key::unknown_email(email.as_str()),
        }];
        keys.extend(ip_key(meta));
        drop(conn);
        let actor = user.as_ref().map(|u| u.id.clone());
        let actor = actor.as_deref();
        self.guard(&keys, now, EventType::SignInPassword, actor, meta).await?;

        let verified = self.hasher.verify(user.as_ref().and_then(|u| u.password_hash.clone()), password).await?;
        let Some(user) = user.filter(|_| verified.ok) else {
            self.fail(&keys, now, EventType::SignInPassword, actor, "bad_credentials", meta).await?;
            return Err(Error::unauthorized(BAD_CREDENTIALS));
        };
        let user_id = user.id.clone();
        if user.status != UserStatus::Active.as_str() {
            let mut tx = self.store.begin().await?;
            audit::record(&mut tx, meta, Event::failure(EventType::SignInPassword, Some(&user_id), "disabled")).await?;
            tx.commit().await?;
            return Err(Error::forbidden("this account is disabled"));
        }
        if verified.needs_rehash {
            // A password that met an older policy still deserves a stronger hash.
            let phc = self.hasher.hash_str(password).await?;
            let mut conn = self.store.pool().acquire().await?;
            rows::set_password_hash(&mut conn, &user_id, &phc, now).await?;
        }

        let mut tx = self.store.begin().await?;
        let has_totp = rows::totp_for_user(&mut tx, &user_id).await?.is_some_and(|t| t.status == "active");
        if has_totp {
            audit::record(&mut tx, meta, Event::success(EventType::SignInPassword, Some(&user_id))).await?;
            tx.commit().await?;
            return Ok(PasswordStep::SecondFactor { user_id });
        }
        throttle::reset(&mut tx, &keys[0]).await?;
        let mut event = Event::success(EventType::SignIn, Some(&user_id));
        event.detail = Some("password");
        audit::record(&mut tx, meta, event).await?;
        tx.commit().await?;
        let must_enrol = self.policy().require_mfa || user.mfa_reset_at.is_some();
        let user: User = user.try_into()?;
        Ok(if must_enrol { PasswordStep::MustEnrol(user) } else { PasswordStep::SignedIn(user) })
    }

    #[tracing::instrument(skip_all)]
    pub async fn sign_in_totp(&self, user_id: &str, code: &str, meta: &RequestMeta) -> Result<User> {
        let now = now_ms();
        let mut keys = vec![Key::Account(user_id.to_owned())];
        keys.extend(ip_key(meta));
        self.guard(&keys, now, EventType::SignInTotp, Some(user_id), meta).await?;
        let mut conn = self.store.pool().acquire().await?;
        let cred = rows::totp_for_user(&mut conn, user_id)
            .await?
            .filter(|t| t.status == "active")
            .ok_or_else(|| Error::unauthorized(BAD_CODE))?;
        drop(conn);
        let seed = self.master_key.open(&cred.secret_enc, user_id)?;
        let secs = (now / 1000) as u64;
        let step = totp::matching_step(&seed, code, secs, cred.last_step);
        let mut tx = self.store.begin().await?;
        let accepted = match step {
            Some(step) => rows::consume_totp_step(&mut tx, user_id, step, false).await?,
            None => false,
        };
        if !accepted {
            drop(tx);
            let replay = totp::matching_step(&seed, code, secs, -1).is_some();
            let detail = if replay { "replayed_code" } else { "wrong_code" };
            self.fail(&keys, now, EventType::SignInTotp, Some(user_id), detail, meta).await?;
            return Err(Error::unauthorized(BAD_CODE));
        }
        self.finish_second_factor(tx, &keys[0], user_id, "totp", meta).await
    }

    #[tracing::instrument(skip_all)]
    pub async fn sign_in_recovery_code(&self, user_id: &str, code: &str, meta: &RequestMeta) -> Result<User> {
        let now = now_ms();
        let mut keys = vec![Key::Account(user_id.to_owned())];
        keys.extend(ip_key(meta));
        self.guard(&keys, now, EventType::SignInRecoveryCode, Some(user_id), meta).await?;
        let mut tx = self.store.begin().await?;
        if !rows::consume_recovery_code(&mut tx, user_id, &recovery::digest(code), now).await? {
            drop(tx);
            self.fail(&keys, now, EventType::SignInRecoveryCode, Some(user_id), "wrong_or_used_code", meta).await?;
            return Err(Error::unauthorized(BAD_CODE));
        }
        self.finish_second_factor(tx, &keys[0], user_id, "recovery_code", meta).await
    }

    async fn finish_second_factor(
        &self,
        mut tx: crate::store::Tx,
        account_key: &Key,
        user_id: &str,
        how: &'static str,
        meta: &RequestMeta,
    ) -> Result<User> {
        let user: User = rows::user_by_id(&mut tx, user_id).await?.ok_or(Error::NotFound)?.try_into()?;
        if user.status != UserStatus::Active {
            return Err(Error::forbidden("this account is disabled"));
        }
        throttle::reset(&mut tx, account_key).await?;
        let mut event = Event::success(EventType::SignIn, Some(user_id));
        event.detail = Some(how);
        audit::record(&mut tx, meta, event).await?;
        tx.commit().await?;
        Ok(user)
    }

    /// Refuses (and audits) an attempt while any of its keys is waiting or locked.
    async fn guard(&self, keys: &[Key], now: Millis, ev: EventType, actor: Option<&str>, meta: &RequestMeta) -> Result<()> {
        let mut conn = self.store.pool().acquire().await?;
        if let Err(e) = throttle::check(&mut conn, keys, now).await {
            drop(conn);
            let mut tx = self.store.begin().await?;
            audit::record(&mut tx, meta, Event::failure(ev, actor, "throttled")).await?;
            tx.commit().await?;
            return Err(e);
        }
        Ok(())
    }

    /// Counts a failure against every key and audits it, in one transaction.
    async fn fail(&self, keys: &[Key], now: Millis, ev: EventType, actor: Option<&str>, detail: &str, meta: &RequestMeta) -> Result<()> {
        let mut tx = self.store.begin().await?;
        throttle::record_failure(&mut tx, keys, now).await?;
        audit::record(&mut tx, meta, Event::failure(ev, actor, detail)).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Lifts a lock after too many failures (operator command).
    pub async fn unlock(&self, user_id: &str, meta: &RequestMeta) -> Result<()> {
        let mut tx = self.store.begin().await?;
        throttle::reset(&mut tx, &Key::Account(user_id.to_owned())).await?;
        audit::record(&mut tx, meta, Event { actor_user_id: None, ..Event::success(EventType::AccountUnlocked, Some(user_id)) }).await?;
        tx.commit().await?;
        Ok(())
    }
}
