//! The audit trail: who did what, when, from where and how. Written in the same transaction as
//! the change it records; never holds a secret, a token, a password or an email address.

use sqlx::AnyConnection;

use crate::Result;
use crate::clock::now_ms;
use crate::store::new_id;

/// Where a request came from and how it arrived; attached to every audit record.
#[derive(Debug, Clone, Default)]
pub struct RequestMeta {
    pub ip: Option<String>,
    pub user_agent: Option<String>,
    pub method: Option<String>,
    pub route: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Success,
    Failure,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Success => "success",
            Outcome::Failure => "failure",
        }
    }
}

/// The kinds of events recorded; one name per security-relevant action.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventType {
    BootstrapLinkCreated,
    InvitationCreated,
    SignUp,
    SignIn,
    SignInPassword,
    SignInTotp,
    SignInRecoveryCode,
    SignOut,
    PasswordChanged,
    TotpEnrolled,
    TotpRemoved,
    RecoveryCodesRegenerated,
    SessionRevoked,
    AccountUnlocked,
    SignInPasskey,
    PasskeyAdded,
    PasskeyRenamed,
    PasskeyRemoved,
    StepUp,
    TokenCreated,
    TokenRevoked,
    TokenRegenerated,
    TokenExpired,
    TokenExpiredInactive,
    TokenLeakRevoked,
    ClientCreated,
    ClientUpdated,
    ClientEnabled,
    ClientDisabled,
    ClientDeleted,
    ClientSecretRotated,
    OAuthTokenIssued,
    OAuthTokenRevoked,
    SigningKeyRotated,
    ConsentGranted,
    ConsentWithdrawn,
    CodeReused,
    RefreshReused,
    TokenExchanged,
}

impl EventType {
    pub fn as_str(self) -> &'static str {
        match self {
            EventType::BootstrapLinkCreated => "bootstrap_link.created",
            EventType::InvitationCreated => "invitation.created",
            EventType::SignUp => "user.signed_up",
            EventType::SignIn => "session.signed_in",
            EventType::SignInPassword => "sign_in.password",
            EventType::SignInTotp => "sign_in.totp",
            EventType::SignInRecoveryCode => "sign_in.recovery_code",
            EventType::SignOut => "session.signed_out",
            EventType::PasswordChanged => "password.changed",
            EventType::TotpEnrolled => "totp.enrolled",
            EventType::TotpRemoved => "totp.removed",
            EventType::RecoveryCodesRegenerated => "recovery_codes.regenerated",
            EventType::SessionRevoked => "session.revoked",
            EventType::AccountUnlocked => "account.unlocked",
            EventType::SignInPasskey => "sign_in.passkey",
            EventType::PasskeyAdded => "passkey.added",
            EventType::PasskeyRenamed => "passkey.renamed",
            EventType::PasskeyRemoved => "passkey.removed",
            EventType::StepUp => "session.stepped_up",
            EventType::TokenCreated => "token.created",
            EventType::TokenRevoked => "token.revoked",
            EventType::TokenRegenerated => "token.regenerated",
            EventType::TokenExpired => "token.expired",
            EventType::TokenExpiredInactive => "token.expired_inactive",
            EventType::TokenLeakRevoked => "token.leak_revoked",
            EventType::ClientCreated => "client.created",
            EventType::ClientUpdated => "client.updated",
            EventType::ClientEnabled => "client.enabled",
            EventType::ClientDisabled => "client.disabled",
            EventType::ClientDeleted => "client.deleted",
            EventType::ClientSecretRotated => "client.secret_rotated",
            EventType::OAuthTokenIssued => "oauth.token_issued",
            EventType::OAuthTokenRevoked => "oauth.token_revoked",
            EventType::SigningKeyRotated => "oauth.key_rotated",
            EventType::ConsentGranted => "oauth.consent_granted",
            EventType::ConsentWithdrawn => "oauth.consent_withdrawn",
            EventType::CodeReused => "oauth.code_reused",
            EventType::RefreshReused => "oauth.refresh_reused",
            EventType::TokenExchanged => "oauth.token_exchanged",
        }
    }
}

#[derive(Debug, Clone)]
pub struct Event<'a> {
    pub actor_user_id: Option<&'a str>,
    pub event_type: EventType,
    pub target: Option<&'a str>,
    pub outcome: Outcome,
    /// A short, non-secret reason such as "bad_credentials" or "replayed_code".
    pub detail: Option<&'a str>,
}

impl<'a> Event<'a> {
    pub fn success(event_type: EventType, actor: Option<&'a str>) -> Self {
        Event { actor_user_id: actor, event_type, target: actor, outcome: Outcome::Success, detail: None }
    }
    pub fn failure(event_type: EventType, actor: Option<&'a str>, detail: &'a str) -> Self {
        Event { actor_user_id: actor, event_type, target: actor, outcome: Outcome::Failure, detail: Some(detail) }
    }
    pub fn target(mut self, target: &'a str) -> Self {
        self.target = Some(target);
        self
    }
}

pub async fn record(conn: &mut AnyConnection, meta: &RequestMeta, e: Event<'_>) -> Result<()> {
    sqlx::query(
        "INSERT INTO audit_events (id, occurred_at, actor_user_id, event_type, target, outcome, ip, user_agent, method, route, detail) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
    )
    .bind(new_id())
    .bind(now_ms())
    .bind(e.actor_user_id)
    .bind(e.event_type.as_str())
    .bind(e.target)
    .bind(e.outcome.as_str())
    .bind(&meta.ip)
    .bind(&meta.user_agent)
    .bind(&meta.method)
    .bind(&meta.route)
    .bind(e.detail)
    .execute(conn)
    .await?;
    Ok(())
}

#[derive(Debug, Clone, sqlx::FromRow, serde::Serialize)]
pub struct AuditRow {
    pub id: String,
    pub occurred_at: i64,
    pub actor_user_id: Option<String>,
    pub event_type: String,
    pub target: Option<String>,
    pub outcome: String,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
    pub method: Option<String>,
    pub route: Option<String>,
    pub detail: Option<String>,
}

/// The newest events that a user caused or that concern them.
pub async fn for_user(conn: &mut AnyConnection, user_id: &str, limit: i64) -> Result<Vec<AuditRow>> {
    Ok(sqlx::query_as(
        "SELECT id, occurred_at, actor_user_id, event_type, target, outcome, ip, user_agent, method, route, detail \
         FROM audit_events WHERE actor_user_id = $1 OR target = $1 ORDER BY occurred_at DESC, id DESC LIMIT $2",
    )
    .bind(user_id)
    .bind(limit)
    .fetch_all(conn)
    .await?)
}
