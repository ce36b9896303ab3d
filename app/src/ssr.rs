//! Server-side glue for pages and server functions (feature `ssr` only): the shared state, the
//! signed-in user from the session, request metadata for the audit trail, and the one mapping
//! from `domain::Error` to what a person sees.

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, FromRef};
use domain::accounts::{Accounts, User, UserStatus, PENDING_MFA_TTL};
use domain::audit::RequestMeta;
use domain::clock::{Millis, now_ms};
use http::StatusCode;
use http::request::Parts;
use leptos::prelude::*;
use leptos_axum::ResponseOptions;
use tower_sessions::Session;

/// Everything a request handler needs; built once at start-up. axum clones the state for every
/// handler and middleware call, so it is one shared pointer: a clone is one reference count.
#[derive(Clone)]
pub struct AppState(std::sync::Arc<Shared>);

impl AppState {
    pub fn new(shared: Shared) -> Self {
        AppState(std::sync::Arc::new(shared))
    }
}

impl std::ops::Deref for AppState {
    type Target = Shared;
    fn deref(&self) -> &Shared {
        &self.0
    }
}

pub struct Shared {
    pub accounts: Accounts,
    pub tokens: domain::tokens::Tokens,
    pub oauth: domain::oauth::OAuth,
    pub policy: domain::policy::LivePolicy,
    pub admin: domain::admin::Admin,
    pub webhooks: domain::webhooks::Webhooks,
    pub limits: domain::rate_limit::RateLimits,
    /// Whether this process runs the jobs that must run once (see `domain::store::leader`).
    pub leader: domain::store::leader::Leadership,
    pub leptos_options: LeptosOptions,
    /// `scheme://host[:port]` people reach the portal at, for links shown to them.
    pub public_origin: String,
    /// A signed-in session ends this long after sign-in, however active it is.
    pub session_absolute_timeout: Millis,
    /// Credential changes need a sign-in (or step-up) at most this long ago.
    pub step_up_window: Millis,
}

impl FromRef<AppState> for LeptosOptions {
    fn from_ref(s: &AppState) -> Self {
        s.leptos_options.clone()
    }
}

/// Session keys, in one place so nothing else spells them.
pub mod keys {
    pub const USER_ID: &str = "uid";
    pub const CREATED_AT: &str = "created_at";
    pub const AUTH_AT: &str = "auth_at";
    pub const IP: &str = "ip";
    pub const USER_AGENT: &str = "ua";
    pub const MUST_ENROL: &str = "must_enrol";
    pub const PENDING_USER_ID: &str = "pending_uid";
    pub const PENDING_AT: &str = "pending_at";
    /// The one WebAuthn ceremony in progress (single use, five minutes).
    pub const CEREMONY: &str = "webauthn_ceremony";
    /// Where to go after signing in: an authorization request that found nobody signed in.
    pub const RETURN_TO: &str = "return_to";
    /// Authorization requests waiting for the person's consent, by id.
    pub const OAUTH_PENDING: &str = "oauth_pending";
}

pub fn state() -> Result<AppState, ServerFnError> {
    use_context::<AppState>().ok_or_else(|| ServerFnError::ServerError("server state is missing".into()))
}

async fn session() -> Result<Session, ServerFnError> {
    leptos_axum::extract::<Session>().await.map_err(|_| ServerFnError::ServerError("no session layer".into()))
}

/// Where the request came from, for the audit trail (never its body).
pub fn request_meta() -> RequestMeta {
    let Some(parts) = use_context::<Parts>() else { return RequestMeta::default() };
    let header = |name: http::HeaderName| {
        parts.headers.get(name).and_then(|v| v.to_str().ok()).map(|s| s.chars().take(256).collect::<String>())
    };
    RequestMeta {
        ip: parts.extensions.get::<ConnectInfo<SocketAddr>>().map(|c| c.0.ip().to_string()),
        user_agent: header(http::header::USER_AGENT),
        method: Some(parts.method.to_string()),
        route: Some(parts.uri.path().to_owned()),
        // A browser request acts with the person's session, not a token.
        credential: None,
    }
}

/// A fully signed-in user and their session. `handle` identifies the session on the account page.
pub struct SignedIn {
    pub user: User,
    pub session: Session,
    pub handle: String,
    pub must_enrol: bool,
}

/// Counts this request against `group`'s limits for the caller's address and `subjects`; over a
/// limit it fails with 429 and `Retry-After`. The `X-RateLimit-*` headers report the outcome.
pub async fn rate_limit(
    group: domain::rate_limit::Group,
    subjects: impl IntoIterator<Item = domain::rate_limit::Subject>,
) -> Result<(), ServerFnError> {
    let state = state()?;
    let ip = use_context::<Parts>().and_then(|p| p.extensions.get::<ConnectInfo<SocketAddr>>().map(|c| c.0.ip()));
    let all = ip.map(domain::rate_limit::Subject::Ip).into_iter().chain(subjects);
    let Some(decision) = state.limits.check(group, all).await.map_err(fail)? else { return Ok(()) };
    if let Some(res) = use_context::<ResponseOptions>() {
        for (name, value) in [
            ("x-ratelimit-limit", u64::from(decision.limit)),
            ("x-ratelimit-remaining", u64::from(decision.remaining)),
            ("x-ratelimit-reset", decision.reset_at),
        ] {
            res.insert_header(http::HeaderName::from_static(name), http::HeaderValue::from(value));
        }
    }
    match decision.retry_after {
        Some(secs) => Err(fail(domain::Error::RateLimited { retry_after_secs: secs })),
        None => Ok(()),
    }
}

/// The subject a sign-in attempt is counted against: the account the email names, known or not
/// (a digest, so the address itself is not kept in memory).
pub fn sign_in_subject(email: &str) -> domain::rate_limit::Subject {
    let normalized = email.trim().to_lowercase();
    domain::rate_limit::Subject::User(format!("email:{}", domain::crypto::sha256_hex(normalized.as_bytes())))
}

/// The signed-in user, or an unauthorized error (401).
pub async fn signed_in() -> Result<SignedIn, ServerFnError> {
    current_user().await?.ok_or_else(|| fail(domain::Error::unauthorized("sign in to continue")))
}

/// The signed-in user if there is one. An expired or orphaned session is ended on the way.
pub async fn current_user() -> Result<Option<SignedIn>, ServerFnError> {
    let session = session().await?;
    let Some((user, must_enrol)) = user_of_session(&state()?, &session).await.map_err(fail)? else { return Ok(None) };
    let handle = session.id().map(|id| domain::store::sessions::handle_of(&id.to_string())).unwrap_or_default();
    Ok(Some(SignedIn { user, session, handle, must_enrol }))
}

/// The active user a session belongs to, and whether they must still enrol a second factor.
/// Shared by the pages and by plain HTTP handlers (the authorization endpoint).
pub async fn user_of_session(state: &AppState, session: &Session) -> Result<Option<(User, bool)>, domain::Error> {
    let session_error = |_| domain::Error::internal_msg("the session store failed");
    let Some(user_id) = session.get::<String>(keys::USER_ID).await.map_err(session_error)? else {
        return Ok(None);
    };
    let created: Millis = session.get(keys::CREATED_AT).await.map_err(session_error)?.unwrap_or(0);
    if now_ms() - created > state.session_absolute_timeout {
        session.flush().await.map_err(session_error)?;
        return Ok(None);
    }
    let user = match state.accounts.user(&user_id).await {
        Ok(u) if u.status == UserStatus::Active => u,
        Ok(_) | Err(domain::Error::NotFound) => {
            session.flush().await.map_err(session_error)?;
            return Ok(None);
        }
        Err(e) => return Err(e),
    };
    let must_enrol = session.get::<bool>(keys::MUST_ENROL).await.map_err(session_error)?.unwrap_or(false);
    Ok(Some((user, must_enrol)))
}

/// Starts a signed-in session under a fresh id (no session fixation).
pub async fn establish_session(user_id: &str, must_enrol: bool, meta: &RequestMeta) -> Result<(), ServerFnError> {
    let session = session().await?;
    let return_to = session.get::<String>(keys::RETURN_TO).await.ok().flatten();
    session.clear().await;
    session.cycle_id().await.map_err(session_error)?;
    if let Some(r) = return_to {
        session.insert(keys::RETURN_TO, r).await.map_err(session_error)?;
    }
    let now = now_ms();
    session.insert(keys::USER_ID, user_id).await.map_err(session_error)?;
    session.insert(keys::CREATED_AT, now).await.map_err(session_error)?;
    session.insert(keys::AUTH_AT, now).await.map_err(session_error)?;
    session.insert(keys::IP, meta.ip.clone()).await.map_err(session_error)?;
    session.insert(keys::USER_AGENT, meta.user_agent.clone()).await.map_err(session_error)?;
    if must_enrol {
        session.insert(keys::MUST_ENROL, true).await.map_err(session_error)?;
    }
    note_browser(user_id, meta).await
}

/// A long-lived random cookie tells this browser apart; its digest is kept per user, so a sign-in
/// from a browser the account never used is reported in the user's inbox.
async fn note_browser(user_id: &str, meta: &RequestMeta) -> Result<(), ServerFnError> {
    use tower_sessions::cookie::{Cookie, SameSite, time::Duration};
    let state = state()?;
    let https = state.public_origin.starts_with("https://");
    let name = if https { "__Host-gatehouse_browser" } else { "gatehouse_browser" };
    let presented = use_context::<Parts>().and_then(|parts| {
        parts
            .headers
            .get_all(http::header::COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(Cookie::split_parse)
            .filter_map(Result::ok)
            .find(|c| c.name() == name && c.value().len() == 43)
            .map(|c| c.value().to_owned())
    });
    let secret = presented.clone().unwrap_or_else(|| domain::crypto::random_url_secret(32));
    state.accounts.note_browser(user_id, &secret, &describe_user_agent(meta.user_agent.as_deref())).await.map_err(fail)?;
    if presented.is_none() {
        let cookie = Cookie::build((name, secret)).path("/").http_only(true).secure(https).same_site(SameSite::Lax).max_age(Duration::days(400)).build();
        if let (Some(res), Ok(v)) = (use_context::<ResponseOptions>(), http::HeaderValue::from_str(&cookie.to_string())) {
            res.append_header(http::header::SET_COOKIE, v);
        }
    }
    Ok(())
}

impl SignedIn {
    /// Whether the user signed in or confirmed it was them recently enough for credential changes.
    pub async fn recently_authenticated(&self) -> Result<bool, ServerFnError> {
        let at: Millis = self.session.get(keys::AUTH_AT).await.map_err(session_error)?.unwrap_or(0);
        Ok(now_ms() - at <= state()?.step_up_window)
    }

    /// The step-up guard: credential changes need a recent sign-in.
    pub async fn require_recent_auth(&self) -> Result<(), ServerFnError> {
        if self.recently_authenticated().await? {
            Ok(())
        } else {
            Err(fail(domain::Error::forbidden(STEP_UP_REQUIRED)))
        }
    }

    /// Records a successful step-up, under a fresh session id.
    pub async fn stepped_up(&self) -> Result<(), ServerFnError> {
        self.session.insert(keys::AUTH_AT, now_ms()).await.map_err(session_error)?;
        cycle_session(&self.session).await
    }
}

/// The signed-in auditor or admin for a read in the admin area: `None` when nobody is signed in,
/// 403 for anyone else. Checked on every call, against the current role.
pub async fn reviewer() -> Result<Option<(SignedIn, domain::admin::Reviewer)>, ServerFnError> {
    let Some(me) = current_user().await? else { return Ok(None) };
    let reviewer = domain::admin::Reviewer::check(&me.user).map_err(fail)?;
    Ok(Some((me, reviewer)))
}

/// The signed-in admin for a change in the admin area: 401 without a session, 403 for anyone
/// else, and the step-up guard (a recent sign-in) before anything changes.
pub async fn admin_actor() -> Result<(SignedIn, domain::admin::AdminActor), ServerFnError> {
    let me = signed_in().await?;
    let actor = domain::admin::AdminActor::check(&me.user).map_err(fail)?;
    me.require_recent_auth().await?;
    Ok((me, actor))
}

/// Where a fresh sign-in continues: the authorization request that sent the person to sign in,
/// if there is one (only ever a local `/oauth/authorize?…` path), otherwise the account page.
pub async fn after_sign_in() -> String {
    let Ok(session) = session().await else { return "/account".into() };
    match session.remove::<String>(keys::RETURN_TO).await {
        Ok(Some(path)) if path.starts_with("/oauth/authorize?") => path,
        _ => "/account".into(),
    }
}

/// The message of the step-up guard's refusal; the UI answers it with the confirmation panel.
pub const STEP_UP_REQUIRED: &str = "confirm it's you to continue";

/// Keeps a WebAuthn ceremony in the session, replacing any earlier one.
pub async fn store_ceremony(ceremony: &domain::accounts::Ceremony) -> Result<(), ServerFnError> {
    session().await?.insert(keys::CEREMONY, ceremony).await.map_err(session_error)
}

/// Takes the ceremony out of the session: whatever happens next, it cannot be used twice.
pub async fn take_ceremony() -> Result<domain::accounts::Ceremony, ServerFnError> {
    let session = session().await?;
    let ceremony = session.remove::<domain::accounts::Ceremony>(keys::CEREMONY).await;
    match ceremony {
        Ok(Some(c)) => Ok(c),
        _ => Err(fail(domain::Error::unauthorized("no passkey request is in progress; try again"))),
    }
}

/// A new id at every privilege change.
pub async fn cycle_session(session: &Session) -> Result<(), ServerFnError> {
    session.cycle_id().await.map_err(session_error)
}

/// Remembers, for five minutes, whose password was right while their second factor is asked.
pub async fn begin_second_factor(user_id: &str) -> Result<(), ServerFnError> {
    let session = session().await?;
    let return_to = session.get::<String>(keys::RETURN_TO).await.ok().flatten();
    session.clear().await;
    session.cycle_id().await.map_err(session_error)?;
    if let Some(r) = return_to {
        session.insert(keys::RETURN_TO, r).await.map_err(session_error)?;
    }
    session.insert(keys::PENDING_USER_ID, user_id).await.map_err(session_error)?;
    session.insert(keys::PENDING_AT, now_ms()).await.map_err(session_error)?;
    Ok(())
}

pub async fn pending_second_factor() -> Result<String, ServerFnError> {
    let session = session().await?;
    let expired = || fail(domain::Error::unauthorized("sign in with your password first"));
    let at: Millis = session.get(keys::PENDING_AT).await.map_err(session_error)?.ok_or_else(expired)?;
    if now_ms() - at > PENDING_MFA_TTL {
        session.clear().await;
        return Err(expired());
    }
    session.get(keys::PENDING_USER_ID).await.map_err(session_error)?.ok_or_else(expired)
}

/// Maps a domain error once: the HTTP status, a log line for internal errors, a message for people.
pub fn fail(e: domain::Error) -> ServerFnError {
    use domain::Error as E;
    let status = match &e {
        E::NotFound => StatusCode::NOT_FOUND,
        E::Conflict(_) => StatusCode::CONFLICT,
        E::Invalid(_) => StatusCode::UNPROCESSABLE_ENTITY,
        E::Unauthorized(_) => StatusCode::UNAUTHORIZED,
        E::Forbidden(_) => StatusCode::FORBIDDEN,
        E::RateLimited { .. } => StatusCode::TOO_MANY_REQUESTS,
        E::Locked => StatusCode::LOCKED,
        E::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
    };
    if let Some(res) = use_context::<ResponseOptions>() {
        res.set_status(status);
        if let E::RateLimited { retry_after_secs } = &e {
            if let Ok(v) = http::HeaderValue::from_str(&retry_after_secs.to_string()) {
                res.insert_header(http::header::RETRY_AFTER, v);
            }
        }
    }
    if let E::Internal(source) = &e {
        tracing::error!(error = %source, "internal error in a server function");
    }
    ServerFnError::ServerError(sentence(&e.to_string()))
}

pub fn session_error(e: tower_sessions::session::Error) -> ServerFnError {
    fail(domain::Error::internal(e))
}

/// "wrong email or password" → "Wrong email or password."
fn sentence(msg: &str) -> String {
    let mut chars = msg.chars();
    let mut out: String = chars.next().map(|c| c.to_uppercase().collect::<String>()).unwrap_or_default();
    out.push_str(chars.as_str());
    if !out.ends_with('.') {
        out.push('.');
    }
    out
}

/// "Chrome 120 on Linux" from a user agent string.
pub fn describe_user_agent(ua: Option<&str>) -> String {
    let Some(ua) = ua else { return "Unknown browser".to_owned() };
    match woothee::parser::Parser::new().parse(ua) {
        Some(r) if r.name != "UNKNOWN" => {
            let major = r.version.split('.').next().unwrap_or("");
            let os = if r.os == "UNKNOWN" { String::new() } else { format!(" on {}", r.os) };
            format!("{} {}{}", r.name, major, os).replace("  ", " ")
        }
        _ => "Unknown browser".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_become_sentences() {
        assert_eq!(sentence("wrong email or password"), "Wrong email or password.");
        assert_eq!(sentence("Done."), "Done.");
    }

    #[test]
    fn user_agents_are_summarised() {
        let ua = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36";
        assert_eq!(describe_user_agent(Some(ua)), "Chrome 120 on Linux");
        assert_eq!(describe_user_agent(None), "Unknown browser");
    }
}

/// The content security policy of a page: scripts only from this origin or inline with this
/// response's nonce (which leptos puts on its hydration and resource scripts), WebAssembly allowed
/// to compile, no plugins, no `<base>`, no framing. Without `unsafe-inline`, an injected script
/// cannot run. Responses that are not pages get `security_headers::OTHER_CSP` instead.
pub fn page_csp(nonce: &str) -> String {
    format!(
        "default-src 'self'; script-src 'self' 'nonce-{nonce}' 'wasm-unsafe-eval'; style-src 'self'; \
         img-src 'self' data:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'"
    )
}

/// Puts the page CSP with this response's nonce on the response.
pub fn send_page_csp() {
    if let (Some(nonce), Some(res)) = (leptos::nonce::use_nonce(), use_context::<ResponseOptions>()) {
        if let Ok(value) = http::HeaderValue::from_str(&page_csp(&nonce.to_string())) {
            res.insert_header(http::header::CONTENT_SECURITY_POLICY, value);
        }
    }
}
