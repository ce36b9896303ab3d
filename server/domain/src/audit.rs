//! The audit trail: who did what, when, from where and how. Written in the same transaction as
//! the change it records; never holds a secret, a token, a password or an email address. Records
//! form a hash chain, so a changed, removed or inserted record is found by `verify_chain`.

use sqlx::{AnyConnection, Connection};

use crate::Result;
use crate::clock::now_ms;
use crate::crypto::sha256_hex;
use crate::store::new_id;

/// Where a request came from and how it arrived; attached to every audit record.
#[derive(Debug, Clone, Default)]
pub struct RequestMeta {
    pub ip: Option<String>,
    pub user_agent: Option<String>,
    pub method: Option<String>,
    pub route: Option<String>,
    /// The credential the request was made with: "token:<id>" or "client:<id>".
    pub credential: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Success,
    Failure,
}

impl Outcome {
    pub fn parse(s: &str) -> crate::Result<Self> {
        match s {
            "success" => Ok(Outcome::Success),
            "failure" => Ok(Outcome::Failure),
            _ => Err(crate::Error::invalid("outcome is success or failure")),
        }
    }

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
    PolicyChanged,
    RoleChanged,
    UserDisabled,
    UserEnabled,
    MfaReset,
    CredentialsBulkRevoked,
    WebhookCreated,
    WebhookEnabled,
    WebhookDisabled,
    WebhookDeleted,
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
            EventType::PolicyChanged => "policy.changed",
            EventType::RoleChanged => "user.role_changed",
            EventType::UserDisabled => "user.disabled",
            EventType::UserEnabled => "user.enabled",
            EventType::MfaReset => "user.mfa_reset",
            EventType::CredentialsBulkRevoked => "credentials.bulk_revoked",
            EventType::WebhookCreated => "webhook.created",
            EventType::WebhookEnabled => "webhook.enabled",
            EventType::WebhookDisabled => "webhook.disabled",
            EventType::WebhookDeleted => "webhook.deleted",
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

/// The fields a record's hash covers, in a fixed order (serde writes struct fields in order).
#[derive(serde::Serialize)]
struct Chained<'a> {
    seq: i64,
    id: &'a str,
    occurred_at: i64,
    actor_user_id: Option<&'a str>,
    event_type: &'a str,
    target: Option<&'a str>,
    outcome: &'a str,
    ip: Option<&'a str>,
    user_agent: Option<&'a str>,
    method: Option<&'a str>,
    route: Option<&'a str>,
    detail: Option<&'a str>,
    /// Last, and left out when absent, so records from before it existed keep their hash.
    #[serde(skip_serializing_if = "Option::is_none")]
    actor_credential: Option<&'a str>,
}

fn link(prev_hash: &str, fields: &Chained<'_>) -> Result<String> {
    let json = serde_json::to_string(fields).map_err(crate::Error::internal)?;
    Ok(sha256_hex(format!("{prev_hash}\n{json}").as_bytes()))
}

/// Appends an event to the chain. Runs in its own savepoint (or transaction, on a bare connection):
/// claiming the next place locks the chain's head until the surrounding transaction ends.
pub async fn record(conn: &mut AnyConnection, meta: &RequestMeta, e: Event<'_>) -> Result<()> {
    let mut tx = conn.begin().await?;
    let (seq, prev_hash): (i64, String) =
        sqlx::query_as("UPDATE audit_chain SET seq = seq + 1 WHERE id = 1 RETURNING seq, head").fetch_one(&mut *tx).await?;
    let id = new_id();
    let fields = Chained {
        seq,
        id: &id,
        occurred_at: now_ms(),
        actor_user_id: e.actor_user_id,
        event_type: e.event_type.as_str(),
        target: e.target,
        outcome: e.outcome.as_str(),
        ip: meta.ip.as_deref(),
        user_agent: meta.user_agent.as_deref(),
        method: meta.method.as_deref(),
        route: meta.route.as_deref(),
        detail: e.detail,
        actor_credential: meta.credential.as_deref(),
    };
    let hash = link(&prev_hash, &fields)?;
    sqlx::query("UPDATE audit_chain SET head = $1 WHERE id = 1").bind(&hash).execute(&mut *tx).await?;
    sqlx::query(
        "INSERT INTO audit_events (id, occurred_at, actor_user_id, event_type, target, outcome, ip, user_agent, method, route, detail, seq, prev_hash, hash, actor_credential) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)",
    )
    .bind(fields.id)
    .bind(fields.occurred_at)
    .bind(fields.actor_user_id)
    .bind(fields.event_type)
    .bind(fields.target)
    .bind(fields.outcome)
    .bind(fields.ip)
    .bind(fields.user_agent)
    .bind(fields.method)
    .bind(fields.route)
    .bind(fields.detail)
    .bind(seq)
    .bind(&prev_hash)
    .bind(&hash)
    .bind(fields.actor_credential)
    .execute(&mut *tx)
    .await?;
    crate::webhooks::enqueue(&mut tx, &id, fields.occurred_at).await?;
    tx.commit().await?;
    Ok(())
}

/// What `verify_chain` found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChainReport {
    /// Chained records checked, in order.
    pub checked: u64,
    /// Records from before the chain existed.
    pub unchained: u64,
    /// The first place where the chain does not hold, if any.
    pub broken: Option<BrokenLink>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BrokenLink {
    pub seq: i64,
    pub why: &'static str,
}

#[derive(sqlx::FromRow)]
struct ChainRow {
    seq: i64,
    id: String,
    occurred_at: i64,
    actor_user_id: Option<String>,
    event_type: String,
    target: Option<String>,
    outcome: String,
    ip: Option<String>,
    user_agent: Option<String>,
    method: Option<String>,
    route: Option<String>,
    detail: Option<String>,
    prev_hash: Option<String>,
    hash: Option<String>,
    actor_credential: Option<String>,
}

/// Walks the chain from the first record (streamed, in pages, so any length fits in memory) and
/// reports the first record that was changed, removed or inserted, and a cut-off newest part.
pub async fn verify_chain(conn: &mut AnyConnection) -> Result<ChainReport> {
    const PAGE: i64 = 1000;
    let (unchained,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM audit_events WHERE seq IS NULL").fetch_one(&mut *conn).await?;
    let (head_seq, head): (i64, String) = sqlx::query_as("SELECT seq, head FROM audit_chain WHERE id = 1").fetch_one(&mut *conn).await?;
    let mut prev = "0".repeat(64);
    let mut expected = 1;
    let broken = |seq: i64, why: &'static str, checked: i64| ChainReport { checked: checked as u64, unchained: unchained as u64, broken: Some(BrokenLink { seq, why }) };
    loop {
        let rows: Vec<ChainRow> = sqlx::query_as(
            "SELECT seq, id, occurred_at, actor_user_id, event_type, target, outcome, ip, user_agent, method, route, detail, prev_hash, hash, actor_credential \
             FROM audit_events WHERE seq >= $1 ORDER BY seq LIMIT $2",
        )
        .bind(expected)
        .bind(PAGE)
        .fetch_all(&mut *conn)
        .await?;
        if rows.is_empty() {
            break;
        }
        for r in rows {
            if r.seq != expected {
                return Ok(broken(expected, "a record is missing", expected - 1));
            }
            if r.prev_hash.as_deref() != Some(prev.as_str()) {
                return Ok(broken(r.seq, "the link to the record before does not match", expected - 1));
            }
            let fields = Chained {
                seq: r.seq,
                id: &r.id,
                occurred_at: r.occurred_at,
                actor_user_id: r.actor_user_id.as_deref(),
                event_type: &r.event_type,
                target: r.target.as_deref(),
                outcome: &r.outcome,
                ip: r.ip.as_deref(),
                user_agent: r.user_agent.as_deref(),
                method: r.method.as_deref(),
                route: r.route.as_deref(),
                detail: r.detail.as_deref(),
                actor_credential: r.actor_credential.as_deref(),
            };
            let hash = link(&prev, &fields)?;
            if r.hash.as_deref() != Some(hash.as_str()) {
                return Ok(broken(r.seq, "the record was changed", expected - 1));
            }
            prev = hash;
            expected += 1;
        }
    }
    let checked = expected - 1;
    if checked != head_seq || prev != head {
        return Ok(broken(checked + 1, "records at the end are missing", checked));
    }
    Ok(ChainReport { checked: checked as u64, unchained: unchained as u64, broken: None })
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
    pub actor_credential: Option<String>,
}

/// The newest events that a user caused or that concern them.
pub async fn for_user(conn: &mut AnyConnection, user_id: &str, limit: i64) -> Result<Vec<AuditRow>> {
    Ok(sqlx::query_as(
        "SELECT id, occurred_at, actor_user_id, event_type, target, outcome, ip, user_agent, method, route, detail, actor_credential \
         FROM audit_events WHERE actor_user_id = $1 OR target = $1 ORDER BY occurred_at DESC, id DESC LIMIT $2",
    )
    .bind(user_id)
    .bind(limit)
    .fetch_all(conn)
    .await?)
}
