//! The `gatehouse` server: opens the store, builds the state and the router, and serves it.
//! `build_router` lives here so integration tests boot exactly the app that production runs.

pub mod api;
pub mod cli;
pub mod config;
pub mod jobs;
pub mod mail;
pub mod master_key;
pub mod middleware;
pub mod oauth;
pub mod ops;
pub mod session_store;
pub mod telemetry;
pub mod tls;
pub mod webhooks;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use app::ssr::AppState;
use app::{App, shell};
use axum::Router;
use axum::routing::get;
use domain::accounts::{Accounts, PasswordHasher};
use domain::policy::LivePolicy;
use domain::clock::HOUR;
use domain::store::Store;
use leptos::prelude::LeptosOptions;
use leptos_axum::{LeptosRoutes, generate_route_list};
use axum::http::{HeaderValue, header};
use tower_http::services::ServeDir;
use tower_http::set_header::SetResponseHeaderLayer;
use tower_sessions::cookie::SameSite;
use tower_sessions::{Expiry, SessionManagerLayer};

use crate::config::Config;
use crate::middleware::origin::{PublicOrigin, require_same_origin};
use crate::session_store::DbSessionStore;

pub use middleware::request_limits::BODY_LIMIT;

#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("{0}")]
    Config(#[from] config::ConfigError),
    #[error("cannot use the data directory {path}: {source}")]
    DataDir { path: String, source: std::io::Error },
    #[error("database: {0}")]
    Database(domain::Error),
    #[error("{0}")]
    Domain(#[from] domain::Error),
}

/// Connects and migrates the store and assembles the shared state.
pub async fn open_state(config: &Config) -> Result<AppState, StartError> {
    let master_key = Arc::new(master_key::load_or_generate(config)?);
    let store = open_store(config).await?;
    let policy = LivePolicy::new(config.initial_policy.clone());
    policy.reload(&store).await?;
    let accounts = Accounts::new(
        store,
        PasswordHasher::with_defaults()?,
        master_key.clone(),
        policy.clone(),
        Arc::new(domain::accounts::relying_party(&config.public_origin)?),
    );
    let leptos_options = LeptosOptions::builder()
        .output_name("gatehouse")
        .site_root(config.site_dir.to_string_lossy().into_owned())
        .site_pkg_dir("pkg")
        .build();
    let oauth = domain::oauth::OAuth::new(accounts.store().clone(), master_key.clone(), config.oauth_policy.clone(), policy.clone());
    let tokens = domain::tokens::Tokens::new(accounts.store().clone(), config.token_prefix.clone(), policy.clone());
    let admin = domain::admin::Admin::new(accounts.store().clone(), tokens.clone(), oauth.clone());
    let webhooks = domain::webhooks::Webhooks::new(accounts.store().clone(), master_key.clone());
    Ok(AppState::new(app::ssr::Shared {
        admin,
        webhooks,
        limits: domain::rate_limit::RateLimits::for_store(config.rate_limits.clone(), accounts.store()),
        leader: domain::store::leader::Leadership::none(),
        accounts,
        tokens,
        oauth,
        policy,
        leptos_options,
        public_origin: config.public_origin.clone(),
        session_absolute_timeout: config.session_absolute_hours as i64 * HOUR,
        step_up_window: config.step_up_seconds as i64 * domain::clock::SECOND,
    }))
}

/// Opens the database (creating the SQLite file and its folder on first start) and migrates it.
pub async fn open_store(config: &Config) -> Result<Store, StartError> {
    if config.database_url.starts_with("sqlite:") {
        master_key::ensure_private_dir(&config.data_dir)?;
    }
    let store = Store::connect(&config.database_url).await.map_err(StartError::Database)?;
    store.migrate().await.map_err(StartError::Database)?;
    Ok(store)
}

/// The app's routes, generated once per process. Generating them sets a process-wide flag in
/// leptos that parks any resource first polled meanwhile, for good (leptos-rs/leptos#4773): a
/// second router built while another serves pages (tests build one per case) would hang requests.
fn route_list() -> Vec<leptos_axum::AxumRouteListing> {
    static ROUTES: std::sync::OnceLock<Vec<leptos_axum::AxumRouteListing>> = std::sync::OnceLock::new();
    ROUTES.get_or_init(|| generate_route_list(App)).clone()
}

pub fn build_router(state: AppState, config: &Config) -> Router {
    let routes = route_list();
    let request_limits = middleware::request_limits::layers(Duration::from_secs(config.client_timeout_seconds as u64));
    let cookie_name = if config.https { "__Host-gatehouse" } else { "gatehouse_session" };
    let sessions = SessionManagerLayer::new(DbSessionStore::new(state.accounts.store().clone()))
        .with_name(cookie_name)
        .with_secure(config.https)
        .with_http_only(true)
        .with_same_site(SameSite::Lax)
        .with_path("/")
        .with_expiry(Expiry::OnInactivity(time::Duration::minutes(config.session_idle_minutes as i64)));

    let options = state.leptos_options.clone();
    let pages = Router::new()
        .leptos_routes_with_context(&state, routes, || {}, move || shell(options.clone()))
        .fallback(leptos_axum::file_and_error_handler::<AppState, _>(shell))
        .route(
            "/oauth/authorize",
            get(oauth::authorize::authorize).route_layer(middleware::rate_limit::GroupLimitLayer::new(
                state.limits.clone(),
                domain::rate_limit::Group::OAuth,
            )),
        )
        .route("/admin/audit/export", get(api::audit_export::portal))
        .layer(sessions)
        .layer(axum::middleware::from_fn(middleware::server_fn_errors::decode_errors_are_bad_requests))
        .with_state(state.clone());

    let state_for_api = state.clone();
    let ops = Router::new()
        .route("/healthz", get(ops::healthz))
        .route("/readyz", get(ops::readyz))
        .layer(request_limits.clone())
        .with_state(state);

    // The bundle's files, served by tower-http rather than by leptos_axum's file handler: that one
    // looks up response options through whatever reactive owner the worker thread saw last, so a
    // file fetched while a page renders could take that page's headers, its CSP among them
    // (`security_headers::files_fetched_during_renders_never_take_the_pages_headers`). The release
    // build writes a brotli and a gzip copy beside each file; browsers that accept one get it.
    let bundle = ServeDir::new(config.site_dir.join("pkg")).precompressed_br().precompressed_gzip();
    // Caches in between must keep the brotli, gzip and plain answers apart.
    let files = Router::new()
        .nest_service("/pkg", bundle)
        .layer(SetResponseHeaderLayer::appending(header::VARY, HeaderValue::from_static("accept-encoding")));

    let origin = PublicOrigin(Arc::from(config.public_origin.as_str()));
    // No page may be framed (clickjacking of the consent and credential pages).
    let browser = Router::new()
        .merge(pages)
        .merge(files)
        .layer(request_limits.clone())
        .layer(axum::middleware::from_fn_with_state(origin, require_same_origin))
        .layer(SetResponseHeaderLayer::overriding(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY")))
        // Pages set their own CSP, with the response's script nonce.
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(middleware::security_headers::OTHER_CSP),
        ));
    Router::new()
        .merge(ops)
        .merge(oauth::router(state_for_api.clone(), &request_limits))
        .merge(api::router(state_for_api, &request_limits))
        .merge(browser)
        .layer(axum::middleware::from_fn_with_state(
            middleware::security_headers::Transport { https: config.https },
            middleware::security_headers::add,
        ))
        .layer(middleware::trace::propagate_request_id())
        .layer(middleware::trace::trace_layer())
        .layer(middleware::trace::set_request_id())
}

/// In-flight requests get this long to finish after a shutdown signal.
pub const SHUTDOWN_GRACE: Duration = Duration::from_secs(30);

/// Serves over plain http, or https when `tls` is given, until `shutdown` resolves; then stops
/// accepting and finishes in-flight requests. Slow clients are cut off after `client_timeout`:
/// to say anything on a new connection (or finish the TLS handshake), to send a request's headers.
pub async fn serve(
    listener: tokio::net::TcpListener,
    router: Router,
    tls: Option<rustls::ServerConfig>,
    client_timeout: Duration,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let handle = axum_server::Handle::new();
    let stopper = handle.clone();
    tokio::spawn(async move {
        shutdown.await;
        stopper.graceful_shutdown(Some(SHUTDOWN_GRACE));
    });
    let app = router.into_make_service_with_connect_info::<SocketAddr>();
    let listener = listener.into_std()?;
    match tls {
        None => {
            let mut server = axum_server::from_tcp(listener)?.handle(handle).first_request_timeout(client_timeout);
            slow_clients(server.http_builder(), client_timeout);
            server.serve(app).await
        }
        Some(config) => {
            let config = axum_server::tls_rustls::RustlsConfig::from_config(Arc::new(config));
            let mut server = axum_server::tls_rustls::from_tcp_rustls(listener, config)?
                .handle(handle)
                .first_request_timeout(client_timeout);
            slow_clients(server.http_builder(), client_timeout);
            server.serve(app).await
        }
    }
}

fn slow_clients(builder: &mut hyper_util::server::conn::auto::Builder<hyper_util::rt::TokioExecutor>, timeout: Duration) {
    builder.http1().header_read_timeout(timeout);
    // Dead HTTP/2 peers are noticed by pings and let go.
    builder.http2().keep_alive_interval(Some(Duration::from_secs(30))).keep_alive_timeout(timeout);
}

/// The one-time link that creates an account.
pub fn signup_link(config: &Config, secret: &str) -> String {
    format!("{}/signup?invite={secret}", config.public_origin)
}
