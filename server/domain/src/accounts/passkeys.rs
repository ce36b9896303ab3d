//! Passkeys (WebAuthn through webauthn-rs): register, sign in without typing an email
//! (discoverable credentials), step up, list, rename, remove. Ceremony state is returned to the
//! caller to keep server-side (in the session), single use and valid for five minutes.

use serde::{Deserialize, Serialize};
use webauthn_rs::prelude::{
    CreationChallengeResponse, CredentialID, DiscoverableAuthentication, Passkey, PasskeyAuthentication,
    PasskeyRegistration, PublicKeyCredential, RegisterPublicKeyCredential, RequestChallengeResponse, Url, Uuid,
    Webauthn, WebauthnBuilder, WebauthnError,
};
use webauthn_rs_proto::{AuthenticatorSelectionCriteria, Mediation, ResidentKeyRequirement, UserVerificationPolicy};

use super::user::validate_display_name;
use super::{Accounts, Email, User, UserStatus};
use crate::audit::{self, Event, EventType, RequestMeta};
use crate::clock::{MINUTE, Millis, now_ms};
use crate::store::accounts::{self as user_rows, UserRow};
use crate::store::invitations as invitation_rows;
use crate::store::new_id;
use crate::store::passkeys::{self as rows, PasskeyRow};
use crate::{Error, Result};

/// A ceremony must finish within this time of its start.
pub const CEREMONY_TTL: Millis = 5 * MINUTE;

/// The relying party: id and origin from the public URL.
pub fn relying_party(public_origin: &str) -> Result<Webauthn> {
    let origin = Url::parse(public_origin).map_err(|_| Error::invalid("the public URL is not a URL"))?;
    let rp_id = origin.host_str().ok_or_else(|| Error::invalid("the public URL has no host"))?.to_owned();
    WebauthnBuilder::new(&rp_id, &origin)
        .and_then(|b| b.rp_name("Gatehouse").build())
        .map_err(|e| Error::invalid(format!("the public URL cannot be a WebAuthn relying party: {e}")))
}

/// What a ceremony is for, with webauthn-rs's state. Kept server-side between its two halves.
#[derive(Serialize, Deserialize)]
pub enum CeremonyKind {
    Register { user_id: String, state: PasskeyRegistration },
    SignUp { pending: PendingSignUp, state: PasskeyRegistration },
    SignIn { state: DiscoverableAuthentication },
    StepUp { user_id: String, state: PasskeyAuthentication },
}

#[derive(Serialize, Deserialize)]
pub struct Ceremony {
    pub started_at: Millis,
    pub kind: CeremonyKind,
}

impl Ceremony {
    fn new(kind: CeremonyKind) -> Self {
        Ceremony { started_at: now_ms(), kind }
    }

    fn check_fresh(&self, now: Millis) -> Result<()> {
        if now - self.started_at > CEREMONY_TTL {
            return Err(Error::unauthorized("the passkey request expired; try again"));
        }
        Ok(())
    }
}

/// A passkey-only account waiting for its first passkey.
#[derive(Serialize, Deserialize, Clone)]
pub struct PendingSignUp {
    user_id: String,
    invitation_id: Option<String>,
    email: String,
    display_name: String,
    role: String,
}

#[derive(Debug, Clone)]
pub struct PasskeyInfo {
    pub id: String,
    pub name: String,
    pub created_at: Millis,
    pub last_used_at: Option<Millis>,
    pub backed_up: bool,
}

impl From<PasskeyRow> for PasskeyInfo {
    fn from(r: PasskeyRow) -> Self {
        PasskeyInfo { backed_up: r.backed_up == "yes", id: r.id, name: r.name, created_at: r.created_at, last_used_at: r.last_used_at }
    }
}

const NOT_VERIFIED: &str = "the passkey could not be verified";

fn validate_passkey_name(raw: &str) -> Result<String> {
    let name = raw.trim();
    if name.is_empty() || name.chars().count() > 60 || name.chars().any(char::is_control) {
        return Err(Error::invalid("name the passkey with 1 to 60 characters"));
    }
    Ok(name.to_owned())
}

fn user_uuid(user_id: &str) -> Result<Uuid> {
    Uuid::parse_str(user_id).map_err(|_| Error::internal_msg("user id is not a UUID"))
}

fn credential_key(id: &CredentialID) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(id.as_ref() as &[u8])
}

/// Whether a passkey is synced (backed up); webauthn-rs keeps the flag inside the credential.
fn backed_up(pk: &Passkey) -> bool {
    serde_json::to_value(pk).ok().and_then(|v| v["cred"]["backup_state"].as_bool()).unwrap_or(false)
}

fn yes_no(b: bool) -> String {
    if b { "yes" } else { "no" }.to_owned()
}

/// Passkeys must be discoverable (so no email is typed) and verify the user (so they count as MFA).
fn require_discoverable(mut ccr: CreationChallengeResponse) -> CreationChallengeResponse {
    let sel = ccr.public_key.authenticator_selection.get_or_insert(AuthenticatorSelectionCriteria {
        authenticator_attachment: None,
        require_resident_key: true,
        resident_key: None,
        user_verification: UserVerificationPolicy::Required,
    });
    sel.require_resident_key = true;
    sel.resident_key = Some(ResidentKeyRequirement::Required);
    ccr
}

/// Stores the counter and backup state an assertion reported, and when the passkey was used.
async fn record_use(
    conn: &mut sqlx::AnyConnection,
    row: &PasskeyRow,
    passkey: &mut Passkey,
    result: &webauthn_rs::prelude::AuthenticationResult,
) -> Result<()> {
    passkey.update_credential(result);
    let json = serde_json::to_string(passkey).map_err(Error::internal)?;
    rows::record_use(conn, &row.id, &json, &yes_no(result.backup_state()), now_ms()).await
}

/// How a webauthn-rs failure is audited.
fn failure_detail(e: &WebauthnError) -> &'static str {
    match e {
        WebauthnError::CredentialPossibleCompromise => "counter_regression",
        WebauthnError::InvalidRPOrigin | WebauthnError::InvalidRPIDHash => "wrong_origin",
        WebauthnError::MismatchedChallenge => "wrong_challenge",
        _ => "verification_failed",
    }
}

impl Accounts {
    fn webauthn(&self) -> &Webauthn {
        &self.webauthn
    }

    fn passkey_from_row(row: &PasskeyRow) -> Result<Passkey> {
        serde_json::from_str(&row.passkey).map_err(Error::internal)
    }

    pub async fn passkeys(&self, user_id: &str) -> Result<Vec<PasskeyInfo>> {
        let mut conn = self.store.pool().acquire().await?;
        Ok(rows::for_user(&mut conn, user_id).await?.into_iter().map(Into::into).collect())
    }

    /// Starts adding a passkey to a signed-in account.
    pub async fn begin_passkey_registration(&self, user: &User) -> Result<(CreationChallengeResponse, Ceremony)> {
        let mut conn = self.store.pool().acquire().await?;
        let existing: Vec<CredentialID> = rows::for_user(&mut conn, &user.id)
            .await?
            .iter()
            .map(Self::passkey_from_row)
            .collect::<Result<Vec<_>>>()?
            .iter()
            .map(|p| p.cred_id().clone())
            .collect();
        let (ccr, state) = self
            .webauthn()
            .start_passkey_registration(user_uuid(&user.id)?, &user.email, &user.display_name, Some(existing))
            .map_err(Error::internal)?;
        Ok((require_discoverable(ccr), Ceremony::new(CeremonyKind::Register { user_id: user.id.clone(), state })))
    }

    pub async fn finish_passkey_registration(
        &self,
        ceremony: Ceremony,
        user_id: &str,
        name: &str,
        credential: &RegisterPublicKeyCredential,
        meta: &RequestMeta,
    ) -> Result<PasskeyInfo> {
        let name = validate_passkey_name(name)?;
        ceremony.check_fresh(now_ms())?;
        let CeremonyKind::Register { user_id: owner, state } = ceremony.kind else {
            return Err(Error::unauthorized("no passkey registration is in progress"));
        };
        if owner != user_id {
            return Err(Error::unauthorized("no passkey registration is in progress"));
        }
        let passkey = match self.webauthn().finish_passkey_registration(credential, &state) {
            Ok(p) => p,
            Err(e) => {
                self.audit_failure(EventType::PasskeyAdded, Some(user_id), failure_detail(&e), meta).await?;
                return Err(Error::unauthorized(NOT_VERIFIED));
            }
        };
        let row = self.passkey_row(user_id, &name, &passkey)?;
        let mut tx = self.store.begin().await?;
        rows::insert(&mut tx, &row).await?;
        audit::record(&mut tx, meta, Event { target: Some(&row.id), ..Event::success(EventType::PasskeyAdded, Some(user_id)) }).await?;
        user_rows::set_mfa_reset(&mut tx, user_id, None).await?;
        super::security::security_notice(&mut tx, user_id, &format!("The passkey “{name}” was added to your account.")).await?;
        tx.commit().await?;
        Ok(row.into())
    }

    fn passkey_row(&self, user_id: &str, name: &str, passkey: &Passkey) -> Result<PasskeyRow> {
        Ok(PasskeyRow {
            id: new_id(),
            user_id: user_id.to_owned(),
            credential_id: credential_key(passkey.cred_id()),
            name: name.to_owned(),
            passkey: serde_json::to_string(passkey).map_err(Error::internal)?,
            backed_up: yes_no(backed_up(passkey)),
            created_at: now_ms(),
            last_used_at: None,
        })
    }

    /// Starts a passkey-only sign-up from a link (or self-registration): checks everything that can
    /// be checked before the browser makes the passkey.
    pub async fn begin_passkey_sign_up(
        &self,
        invitation: Option<&str>,
        email: &str,
        display_name: &str,
    ) -> Result<(CreationChallengeResponse, Ceremony)> {
        let email = Email::parse(email)?;
        let display_name = validate_display_name(display_name)?;
        let now = now_ms();
        let invitation = self.sign_up_invitation(invitation, &email, now).await?;
        let mut conn = self.store.pool().acquire().await?;
        if user_rows::user_by_email(&mut conn, email.as_str()).await?.is_some() {
            return Err(Error::conflict("an account with this email already exists"));
        }
        let user_id = new_id();
        let (ccr, state) = self
            .webauthn()
            .start_passkey_registration(user_uuid(&user_id)?, email.as_str(), &display_name, None)
            .map_err(Error::internal)?;
        let pending = PendingSignUp {
            user_id,
            role: invitation.as_ref().map(|i| i.role.clone()).unwrap_or_else(|| super::Role::Developer.as_str().to_owned()),
            invitation_id: invitation.map(|i| i.id),
            email: email.as_str().to_owned(),
            display_name,
        };
        Ok((require_discoverable(ccr), Ceremony::new(CeremonyKind::SignUp { pending, state })))
    }

    /// Creates the passkey-only account, its passkey, and uses up the link, in one transaction.
    pub async fn finish_passkey_sign_up(
        &self,
        ceremony: Ceremony,
        passkey_name: &str,
        credential: &RegisterPublicKeyCredential,
        meta: &RequestMeta,
    ) -> Result<User> {
        let name = validate_passkey_name(passkey_name)?;
        let now = now_ms();
        ceremony.check_fresh(now)?;
        let CeremonyKind::SignUp { pending, state } = ceremony.kind else {
            return Err(Error::unauthorized("no sign-up is in progress"));
        };
        let passkey = self
            .webauthn()
            .finish_passkey_registration(credential, &state)
            .map_err(|_| Error::unauthorized(NOT_VERIFIED))?;
        let user = UserRow {
            id: pending.user_id.clone(),
            email: pending.email,
            display_name: pending.display_name,
            role: pending.role,
            status: UserStatus::Active.as_str().to_owned(),
            password_hash: None,
            created_at: now,
            updated_at: now,
            mfa_reset_at: None,
        };
        let row = self.passkey_row(&user.id, &name, &passkey)?;
        let mut tx = self.store.begin().await?;
        if let Some(inv) = &pending.invitation_id {
            if !invitation_rows::mark_used(&mut tx, inv, now).await? {
                return Err(Error::invalid(super::invitations::LINK_INVALID));
            }
        }
        user_rows::insert_user(&mut tx, &user).await?;
        rows::insert(&mut tx, &row).await?;
        let mut event = Event::success(EventType::SignUp, Some(&user.id));
        event.detail = Some("passkey");
        audit::record(&mut tx, meta, event).await?;
        audit::record(&mut tx, meta, Event { target: Some(&row.id), ..Event::success(EventType::PasskeyAdded, Some(&user.id)) }).await?;
        tx.commit().await?;
        user.try_into()
    }

    /// Starts a sign-in with any passkey of this site; `autofill` asks the browser for conditional
    /// mediation (passkeys offered in the email field's autofill).
    pub fn begin_passkey_sign_in(&self, autofill: bool) -> Result<(RequestChallengeResponse, Ceremony)> {
        let (mut rcr, state) = self.webauthn().start_discoverable_authentication().map_err(Error::internal)?;
        rcr.mediation = autofill.then_some(Mediation::Conditional);
        Ok((rcr, Ceremony::new(CeremonyKind::SignIn { state })))
    }

    /// Finishes a discoverable sign-in. A passkey verifies the user, so it is a complete sign-in (MFA).
    pub async fn finish_passkey_sign_in(
        &self,
        ceremony: Ceremony,
        credential: &PublicKeyCredential,
        meta: &RequestMeta,
    ) -> Result<User> {
        ceremony.check_fresh(now_ms())?;
        let CeremonyKind::SignIn { state } = ceremony.kind else {
            return Err(Error::unauthorized("no passkey sign-in is in progress"));
        };
        let (handle, cred_id) = self
            .webauthn()
            .identify_discoverable_authentication(credential)
            .map_err(|_| Error::unauthorized(NOT_VERIFIED))?;
        let cred_key = {
            use base64::Engine as _;
            base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(cred_id)
        };
        let mut conn = self.store.pool().acquire().await?;
        let row = rows::by_credential_id(&mut conn, &cred_key).await?;
        drop(conn);
        let Some(row) = row.filter(|r| user_uuid(&r.user_id).ok() == Some(handle)) else {
            self.audit_failure(EventType::SignInPasskey, None, "unknown_credential", meta).await?;
            return Err(Error::unauthorized(NOT_VERIFIED));
        };
        let mut passkey = Self::passkey_from_row(&row)?;
        let result = match self.webauthn().finish_discoverable_authentication_v2(credential, state, &passkey) {
            Ok(r) => r,
            Err(e) => {
                self.audit_failure(EventType::SignInPasskey, Some(&row.user_id), failure_detail(&e), meta).await?;
                return Err(Error::unauthorized(NOT_VERIFIED));
            }
        };
        let user: User = self.user(&row.user_id).await?;
        if user.status != UserStatus::Active {
            self.audit_failure(EventType::SignInPasskey, Some(&user.id), "disabled", meta).await?;
            return Err(Error::forbidden("this account is disabled"));
        }
        let mut tx = self.store.begin().await?;
        record_use(&mut tx, &row, &mut passkey, &result).await?;
        super::throttle::reset(&mut tx, &super::throttle::Key::Account(user.id.clone())).await?;
        let mut event = Event::success(EventType::SignIn, Some(&user.id));
        event.detail = Some("passkey");
        audit::record(&mut tx, meta, event).await?;
        tx.commit().await?;
        Ok(user)
    }

    /// Starts a step-up with one of the signed-in user's own passkeys.
    pub async fn begin_passkey_step_up(&self, user_id: &str) -> Result<(RequestChallengeResponse, Ceremony)> {
        let mut conn = self.store.pool().acquire().await?;
        let keys = rows::for_user(&mut conn, user_id).await?.iter().map(Self::passkey_from_row).collect::<Result<Vec<_>>>()?;
        if keys.is_empty() {
            return Err(Error::invalid("this account has no passkey"));
        }
        let (rcr, state) = self.webauthn().start_passkey_authentication(&keys).map_err(Error::internal)?;
        Ok((rcr, Ceremony::new(CeremonyKind::StepUp { user_id: user_id.to_owned(), state })))
    }

    pub async fn finish_passkey_step_up(
        &self,
        ceremony: Ceremony,
        user_id: &str,
        credential: &PublicKeyCredential,
        meta: &RequestMeta,
    ) -> Result<()> {
        ceremony.check_fresh(now_ms())?;
        let CeremonyKind::StepUp { user_id: owner, state } = ceremony.kind else {
            return Err(Error::unauthorized("no confirmation is in progress"));
        };
        if owner != user_id {
            return Err(Error::unauthorized("no confirmation is in progress"));
        }
        let result = match self.webauthn().finish_passkey_authentication(credential, &state) {
            Ok(r) => r,
            Err(e) => {
                self.audit_failure(EventType::StepUp, Some(user_id), failure_detail(&e), meta).await?;
                return Err(Error::unauthorized(NOT_VERIFIED));
            }
        };
        let mut conn = self.store.pool().acquire().await?;
        let row = rows::by_credential_id(&mut conn, &credential_key(result.cred_id())).await?.ok_or(Error::NotFound)?;
        drop(conn);
        let mut passkey = Self::passkey_from_row(&row)?;
        let mut tx = self.store.begin().await?;
        record_use(&mut tx, &row, &mut passkey, &result).await?;
        let mut event = Event::success(EventType::StepUp, Some(user_id));
        event.detail = Some("passkey");
        audit::record(&mut tx, meta, event).await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn rename_passkey(&self, user_id: &str, passkey_id: &str, name: &str, meta: &RequestMeta) -> Result<()> {
        let name = validate_passkey_name(name)?;
        let mut tx = self.store.begin().await?;
        if rows::rename(&mut tx, user_id, passkey_id, &name).await? == 0 {
            return Err(Error::NotFound);
        }
        audit::record(&mut tx, meta, Event { target: Some(passkey_id), ..Event::success(EventType::PasskeyRenamed, Some(user_id)) }).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Removes a passkey, unless it is the account's last way to sign in.
    pub async fn remove_passkey(&self, user_id: &str, passkey_id: &str, meta: &RequestMeta) -> Result<()> {
        let mut tx = self.store.begin().await?;
        let user = user_rows::user_by_id(&mut tx, user_id).await?.ok_or(Error::NotFound)?;
        let count = rows::count_for_user(&mut tx, user_id).await?;
        if user.password_hash.is_none() && count <= 1 {
            return Err(Error::conflict("this is your only way to sign in; add another passkey first"));
        }
        if rows::delete(&mut tx, user_id, passkey_id).await? == 0 {
            return Err(Error::NotFound);
        }
        audit::record(&mut tx, meta, Event { target: Some(passkey_id), ..Event::success(EventType::PasskeyRemoved, Some(user_id)) }).await?;
        super::security::security_notice(&mut tx, user_id, "A passkey was removed from your account.").await?;
        tx.commit().await?;
        Ok(())
    }

    /// Re-authentication with password (and TOTP when the account has it) for step-up.
    pub async fn step_up_with_password(&self, user_id: &str, password: &str, code: Option<&str>, meta: &RequestMeta) -> Result<()> {
        let now = now_ms();
        let mut keys = vec![super::throttle::Key::Account(user_id.to_owned())];
        keys.extend(meta.ip.clone().map(super::throttle::Key::Ip));
        {
            let mut conn = self.store.pool().acquire().await?;
            super::throttle::check(&mut conn, &keys, now).await?;
        }
        let mut conn = self.store.pool().acquire().await?;
        let user = user_rows::user_by_id(&mut conn, user_id).await?.ok_or(Error::NotFound)?;
        let totp = user_rows::totp_for_user(&mut conn, user_id).await?.filter(|t| t.status == "active");
        drop(conn);
        let password_ok = self.hasher.verify(user.password_hash.clone(), password).await?.ok;
        let code_ok = match (&totp, password_ok) {
            (None, ok) => ok,
            (Some(_), false) => false,
            (Some(cred), true) => {
                let seed = self.master_key.open(&cred.secret_enc, user_id)?;
                match super::totp::matching_step(&seed, code.unwrap_or(""), (now / 1000) as u64, cred.last_step) {
                    Some(step) => {
                        let mut conn = self.store.pool().acquire().await?;
                        user_rows::consume_totp_step(&mut conn, user_id, step, false).await?
                    }
                    None => false,
                }
            }
        };
        if !code_ok {
            let mut tx = self.store.begin().await?;
            super::throttle::record_failure(&mut tx, &keys, now).await?;
            audit::record(&mut tx, meta, Event::failure(EventType::StepUp, Some(user_id), "bad_credentials")).await?;
            tx.commit().await?;
            return Err(Error::unauthorized(if totp.is_some() { "wrong password or code" } else { "wrong password" }));
        }
        let mut tx = self.store.begin().await?;
        super::throttle::reset(&mut tx, &keys[0]).await?;
        let mut event = Event::success(EventType::StepUp, Some(user_id));
        event.detail = Some(if totp.is_some() { "password_totp" } else { "password" });
        audit::record(&mut tx, meta, event).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn audit_failure(&self, ev: EventType, actor: Option<&str>, detail: &str, meta: &RequestMeta) -> Result<()> {
        let mut tx = self.store.begin().await?;
        audit::record(&mut tx, meta, Event::failure(ev, actor, detail)).await?;
        tx.commit().await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_relying_party_comes_from_the_public_origin() {
        assert!(relying_party("http://localhost:3000").is_ok());
        assert!(relying_party("https://gate.example.com").is_ok());
        assert!(relying_party("not a url").is_err());
    }

    #[test]
    fn passkey_names_are_trimmed_and_bounded() {
        assert_eq!(validate_passkey_name("  Laptop ").unwrap(), "Laptop");
        assert!(validate_passkey_name("").is_err());
        assert!(validate_passkey_name(&"x".repeat(61)).is_err());
    }

    #[test]
    fn registration_options_require_a_discoverable_user_verified_credential() {
        let rp = relying_party("http://localhost:3000").unwrap();
        let (ccr, _) = rp.start_passkey_registration(Uuid::now_v7(), "a@example.com", "A", None).unwrap();
        let sel = require_discoverable(ccr).public_key.authenticator_selection.unwrap();
        assert!(sel.require_resident_key);
        assert_eq!(sel.resident_key, Some(ResidentKeyRequirement::Required));
        assert_eq!(sel.user_verification, UserVerificationPolicy::Required);
    }

    #[test]
    fn ceremonies_expire_after_five_minutes() {
        let rp = relying_party("http://localhost:3000").unwrap();
        let (_, state) = rp.start_discoverable_authentication().unwrap();
        let c = Ceremony { started_at: 0, kind: CeremonyKind::SignIn { state } };
        assert!(c.check_fresh(CEREMONY_TTL).is_ok());
        assert!(c.check_fresh(CEREMONY_TTL + 1).is_err());
    }
}
