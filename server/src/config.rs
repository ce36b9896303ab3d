//! Configuration: every setting is a flag and a `GATEHOUSE_*` environment variable, validated once.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use clap::{Args, Parser, Subcommand, ValueEnum};
use domain::clock::{HOUR, SECOND};
use domain::oauth::OAuthPolicy;
use domain::policy::InstancePolicy;
use domain::tokens::format::Prefix;

#[derive(Debug, Parser)]
#[command(name = "gatehouse", version, about = "Developer portal and OAuth 2.0 authorization server")]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
    #[command(flatten)]
    pub settings: Settings,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the portal (applies pending migrations first).
    Serve,
    /// Apply pending database migrations and exit.
    Migrate,
    /// Operator tasks.
    #[command(subcommand)]
    Admin(AdminCommand),
    /// The keys that sign OAuth access tokens.
    #[command(subcommand)]
    Keys(KeysCommand),
    /// The audit trail.
    #[command(subcommand)]
    Audit(AuditCommand),
}

#[derive(Debug, Subcommand)]
pub enum AuditCommand {
    /// Walk the hash chain of the audit trail; exit 1 and name the first broken record if any.
    Verify,
}

#[derive(Debug, Subcommand)]
pub enum KeysCommand {
    /// Publish a new signing key now; it signs from one hour on, and the current key stays
    /// published until the tokens it signed have expired.
    Rotate,
    /// List the published keys.
    List,
}

#[derive(Debug, Subcommand)]
pub enum AdminCommand {
    /// Print a fresh one-time link (valid 1 hour) that creates an admin account.
    Bootstrap,
    /// Print a one-time invitation link (valid 7 days) for one email address.
    Invite {
        email: String,
        #[arg(long, default_value = "developer", value_parser = ["developer", "auditor", "admin"])]
        role: String,
    },
    /// Lift the lock on an account after too many failed sign-in attempts.
    Unlock { email: String },
    /// Create a personal access token for an account and print it once.
    CreateToken {
        email: String,
        /// A name, unique among the account's active tokens.
        #[arg(long)]
        name: String,
        /// Space-separated scopes, e.g. "user:read tokens:read".
        #[arg(long)]
        scopes: String,
        /// Lifetime in days: 7, 30, 60 or 90.
        #[arg(long, default_value_t = 30)]
        days: u32,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    Text,
    Json,
}

#[derive(Debug, Clone, Args)]
pub struct Settings {
    /// Address and port to listen on.
    #[arg(long, env = "GATEHOUSE_LISTEN", default_value = "127.0.0.1:3000", global = true)]
    pub listen: SocketAddr,
    /// Directory for the SQLite database and generated keys (created on first start).
    #[arg(long, env = "GATEHOUSE_DATA_DIR", default_value = "./data", global = true)]
    pub data_dir: PathBuf,
    /// Database URL; a postgres:// URL switches to PostgreSQL. Default: SQLite in the data directory.
    #[arg(long, env = "GATEHOUSE_DATABASE_URL", global = true, hide_env_values = true)]
    pub database_url: Option<String>,
    /// The origin people reach the portal at, used for links, cookies and origin checks.
    /// Default: http://localhost:<port>.
    #[arg(long, env = "GATEHOUSE_PUBLIC_URL", global = true)]
    pub public_url: Option<String>,
    /// Base64 of 32 random bytes that seals secrets at rest. Default: generated into <data-dir>/master.key.
    #[arg(long, env = "GATEHOUSE_MASTER_KEY", global = true, hide_env_values = true)]
    pub master_key: Option<String>,
    /// Require a second factor for every account.
    #[arg(long, env = "GATEHOUSE_REQUIRE_MFA", global = true)]
    pub require_mfa: bool,
    /// Let anyone create a developer account without an invitation.
    #[arg(long, env = "GATEHOUSE_SELF_REGISTRATION", global = true)]
    pub self_registration: bool,
    /// Minutes without activity after which a session ends.
    #[arg(long, env = "GATEHOUSE_SESSION_IDLE_MINUTES", default_value_t = 30, global = true,
          value_parser = clap::value_parser!(u32).range(1..=1440))]
    pub session_idle_minutes: u32,
    /// Hours after sign-in after which a session ends, however active.
    #[arg(long, env = "GATEHOUSE_SESSION_ABSOLUTE_HOURS", default_value_t = 12, global = true,
          value_parser = clap::value_parser!(u32).range(1..=720))]
    pub session_absolute_hours: u32,
    /// Seconds after a sign-in during which credentials can be changed without confirming again (step-up).
    #[arg(long, env = "GATEHOUSE_STEP_UP_SECONDS", default_value_t = 600, global = true,
          value_parser = clap::value_parser!(u32).range(1..=86_400))]
    pub step_up_seconds: u32,
    /// Directory with the browser bundle (pkg/). Default: the `site` folder beside the binary's folder.
    #[arg(long, env = "GATEHOUSE_SITE_DIR", global = true)]
    pub site_dir: Option<PathBuf>,
    /// Prefix of personal access tokens (2 to 8 lowercase letters), so leak scanners can tell instances apart.
    #[arg(long, env = "GATEHOUSE_TOKEN_PREFIX", default_value = "gat", global = true)]
    pub token_prefix: String,
    /// The longest lifetime a personal access token may have, in days.
    #[arg(long, env = "GATEHOUSE_TOKEN_MAX_DAYS", default_value_t = 365, global = true,
          value_parser = clap::value_parser!(u32).range(1..=3650))]
    pub token_max_days: u32,
    /// Let users create personal access tokens that never expire.
    #[arg(long, env = "GATEHOUSE_TOKEN_ALLOW_NO_EXPIRY", global = true)]
    pub token_allow_no_expiry: bool,
    /// Tokens unused for this many days expire; 0 turns this off.
    #[arg(long, env = "GATEHOUSE_TOKEN_INACTIVITY_DAYS", default_value_t = 90, global = true,
          value_parser = clap::value_parser!(u32).range(0..=3650))]
    pub token_inactivity_days: u32,
    /// How often the expiry sweep runs, in seconds.
    #[arg(long, env = "GATEHOUSE_TOKEN_SWEEP_SECONDS", default_value_t = 3600, global = true,
          value_parser = clap::value_parser!(u32).range(1..=86_400))]
    pub token_sweep_seconds: u32,
    /// How often recorded token activity is written to the database, in milliseconds.
    #[arg(long, env = "GATEHOUSE_ACTIVITY_FLUSH_MS", default_value_t = 1000, global = true,
          value_parser = clap::value_parser!(u32).range(10..=60_000))]
    pub activity_flush_ms: u32,
    /// Lifetime of OAuth access tokens (JWT), in seconds.
    #[arg(long, env = "GATEHOUSE_ACCESS_TOKEN_SECONDS", default_value_t = 300, global = true,
          value_parser = clap::value_parser!(u32).range(30..=3600))]
    pub access_token_seconds: u32,
    /// Absolute lifetime of an OAuth refresh-token family, in hours.
    #[arg(long, env = "GATEHOUSE_REFRESH_TOKEN_HOURS", default_value_t = 24, global = true,
          value_parser = clap::value_parser!(u32).range(1..=8760))]
    pub refresh_token_hours: u32,
    /// SMTP server for e-mail notices: smtps://user:pass@host:465, smtp://host:587?tls=required
    /// (STARTTLS), or smtp://127.0.0.1:2525 (plain, loopback only). Without it, notices stay in the inbox.
    #[arg(long, env = "GATEHOUSE_SMTP_URL", global = true, hide_env_values = true)]
    pub smtp_url: Option<String>,
    /// The From address of e-mail notices, e.g. "Gatehouse <gatehouse@example.com>".
    #[arg(long, env = "GATEHOUSE_SMTP_FROM", global = true)]
    pub smtp_from: Option<String>,
    /// How often due e-mail notices are sent, in milliseconds.
    #[arg(long, env = "GATEHOUSE_MAIL_POLL_MS", default_value_t = 5000, global = true,
          value_parser = clap::value_parser!(u32).range(100..=600_000))]
    pub mail_poll_ms: u32,
    /// PEM certificate chain: serve https with TLS 1.2/1.3 (needs --tls-key). Without it the portal
    /// serves plain http and expects a TLS-terminating proxy in front.
    #[arg(long, env = "GATEHOUSE_TLS_CERT", global = true)]
    pub tls_cert: Option<PathBuf>,
    /// PEM private key of --tls-cert.
    #[arg(long, env = "GATEHOUSE_TLS_KEY", global = true)]
    pub tls_key: Option<PathBuf>,
    /// Seconds a client may take to send a request's headers, to pause in a request body, or to say
    /// anything on a new connection (TLS handshake included) before it is cut off.
    #[arg(long, env = "GATEHOUSE_CLIENT_TIMEOUT_SECONDS", default_value_t = 10, global = true,
          value_parser = clap::value_parser!(u32).range(1..=300))]
    pub client_timeout_seconds: u32,
    /// A rate limit, repeatable: `group.subject=N/period` (period s, m or h) or `group.subject=off`,
    /// e.g. `--rate-limit api.token=1200/m`. Groups: sign_in, totp, oauth_token, introspection,
    /// oauth, api, leak_reports; subjects: token, client, user, ip. Unset ones keep their default.
    #[arg(long = "rate-limit", env = "GATEHOUSE_RATE_LIMITS", value_delimiter = ',', global = true,
          value_parser = clap::value_parser!(domain::rate_limit::Rule))]
    pub rate_limits: Vec<domain::rate_limit::Rule>,
    /// Log format on stderr.
    #[arg(long, env = "GATEHOUSE_LOG_FORMAT", value_enum, default_value = "text", global = true)]
    pub log_format: LogFormat,
}

/// A setting that cannot work; the message names it.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct ConfigError(pub String);

/// Settings resolved and checked.
#[derive(Debug, Clone)]
pub struct Config {
    pub listen: SocketAddr,
    pub data_dir: PathBuf,
    pub database_url: String,
    /// `scheme://host[:port]`, no trailing slash.
    pub public_origin: String,
    pub https: bool,
    pub master_key: Option<String>,
    pub session_idle_minutes: u32,
    pub session_absolute_hours: u32,
    pub step_up_seconds: u32,
    pub site_dir: PathBuf,
    pub log_format: LogFormat,
    pub token_prefix: Prefix,
    /// The policy until an admin saves one on the policy page.
    pub initial_policy: InstancePolicy,
    pub token_sweep_seconds: u32,
    pub activity_flush_ms: u32,
    pub oauth_policy: OAuthPolicy,
    pub smtp: Option<Smtp>,
    pub mail_poll_ms: u32,
    pub rate_limits: domain::rate_limit::LimitTable,
    pub client_timeout_seconds: u32,
    /// Serve https here (else plain http behind a proxy).
    pub tls: Option<crate::tls::TlsFiles>,
}

/// Where e-mail notices go. The URL may hold a password: `Debug` never shows it.
#[derive(Clone)]
pub struct Smtp {
    pub url: String,
    pub from: lettre::message::Mailbox,
}

impl std::fmt::Debug for Smtp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Smtp").field("url", &"[redacted]").field("from", &self.from.email.domain()).finish()
    }
}

/// Checks the SMTP settings: both or neither, a From address, and TLS for any server that is not
/// on this machine (a password or a notice must not cross a network in clear text).
fn smtp(url: Option<&str>, from: Option<&str>) -> Result<Option<Smtp>, ConfigError> {
    let (url, from) = match (url, from) {
        (None, None) => return Ok(None),
        (Some(u), Some(f)) => (u, f),
        _ => return Err(ConfigError("--smtp-url and --smtp-from (GATEHOUSE_SMTP_URL, GATEHOUSE_SMTP_FROM) go together".into())),
    };
    let bad = |why: &str| ConfigError(format!("--smtp-url / GATEHOUSE_SMTP_URL {why}"));
    let parsed = url::Url::parse(url).map_err(|_| bad("is not a URL"))?;
    let tls = match parsed.scheme() {
        "smtps" => true,
        "smtp" => parsed.query_pairs().any(|(k, v)| k == "tls" && v == "required"),
        _ => return Err(bad("must start with smtps:// or smtp://")),
    };
    let loopback = match parsed.host() {
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        // `smtp:` is not a special scheme to the URL parser, so an IP address arrives as a name.
        Some(url::Host::Domain(d)) => d == "localhost" || d.parse::<std::net::IpAddr>().is_ok_and(|ip| ip.is_loopback()),
        None => return Err(bad("must name the server")),
    };
    if !tls && !loopback {
        return Err(bad("must use TLS for a server on another machine: smtps://… or smtp://…?tls=required"));
    }
    lettre::AsyncSmtpTransport::<lettre::Tokio1Executor>::from_url(url).map_err(|_| bad("is not a usable SMTP URL"))?;
    let from = from.parse().map_err(|_| ConfigError("--smtp-from / GATEHOUSE_SMTP_FROM is not an e-mail address".into()))?;
    Ok(Some(Smtp { url: url.to_owned(), from }))
}

impl Settings {
    pub fn resolve(self) -> Result<Config, ConfigError> {
        let tls = match (&self.tls_cert, &self.tls_key) {
            (Some(cert), Some(key)) => Some(crate::tls::TlsFiles { cert: cert.clone(), key: key.clone() }),
            (None, None) => None,
            _ => return Err(ConfigError("--tls-cert and --tls-key (GATEHOUSE_TLS_CERT, GATEHOUSE_TLS_KEY) go together".into())),
        };
        let scheme = if tls.is_some() { "https" } else { "http" };
        let public = self.public_url.clone().unwrap_or_else(|| format!("{scheme}://localhost:{}", self.listen.port()));
        let (public_origin, https) = parse_origin(&public)?;
        if tls.is_some() && !https {
            return Err(ConfigError("--tls-cert serves https, so --public-url / GATEHOUSE_PUBLIC_URL must start with https://".into()));
        }
        let database_url = match &self.database_url {
            Some(url) => {
                domain::store::Backend::of_url(url)
                    .map_err(|_| ConfigError("--database-url / GATEHOUSE_DATABASE_URL must start with sqlite: or postgres://".into()))?;
                url.clone()
            }
            None => format!("sqlite://{}?mode=rwc", self.data_dir.join("gatehouse.db").display()),
        };
        if let Some(key) = &self.master_key {
            domain::crypto::MasterKey::from_base64(key).map_err(|e| {
                ConfigError(format!("--master-key / GATEHOUSE_MASTER_KEY is unusable: {e} (use base64 of 32 random bytes)"))
            })?;
        }
        let prefix = Prefix::new(&self.token_prefix)
            .ok_or_else(|| ConfigError("--token-prefix / GATEHOUSE_TOKEN_PREFIX must be 2 to 8 lowercase letters".into()))?;
        let initial_policy = InstancePolicy {
            max_lifetime_days: self.token_max_days,
            allow_no_expiry: self.token_allow_no_expiry,
            inactivity_days: self.token_inactivity_days,
            require_mfa: self.require_mfa,
            self_registration: self.self_registration,
            ..InstancePolicy::default()
        };
        let oauth_policy = OAuthPolicy {
            access_token_lifetime: self.access_token_seconds as i64 * SECOND,
            refresh_token_lifetime: self.refresh_token_hours as i64 * HOUR,
            ..OAuthPolicy::new(&public_origin)
        };
        let smtp = smtp(self.smtp_url.as_deref(), self.smtp_from.as_deref())?;
        Ok(Config {
            smtp,
            mail_poll_ms: self.mail_poll_ms,
            rate_limits: domain::rate_limit::LimitTable::new(&self.rate_limits),
            tls,
            client_timeout_seconds: self.client_timeout_seconds,
            oauth_policy,
            token_prefix: prefix,
            initial_policy,
            token_sweep_seconds: self.token_sweep_seconds,
            activity_flush_ms: self.activity_flush_ms,
            listen: self.listen,
            site_dir: self.site_dir.clone().unwrap_or_else(default_site_dir),
            data_dir: self.data_dir,
            database_url,
            public_origin,
            https,
            master_key: self.master_key,
            session_idle_minutes: self.session_idle_minutes,
            session_absolute_hours: self.session_absolute_hours,
            step_up_seconds: self.step_up_seconds,
            log_format: self.log_format,
        })
    }
}

/// Accepts an http(s) origin with no path, query or fragment.
fn parse_origin(raw: &str) -> Result<(String, bool), ConfigError> {
    let bad = |why: &str| ConfigError(format!("--public-url / GATEHOUSE_PUBLIC_URL {why}"));
    let url = url::Url::parse(raw).map_err(|_| bad("is not a URL"))?;
    let https = match url.scheme() {
        "https" => true,
        "http" => false,
        _ => return Err(bad("must start with http:// or https://")),
    };
    if url.path() != "/" || url.query().is_some() || url.fragment().is_some() || !url.username().is_empty() {
        return Err(bad("must be an origin only, like https://gatehouse.example.com"));
    }
    let Some(url::Host::Domain(host)) = url.host() else {
        return Err(bad("must name the host (a domain or localhost), not an IP address: passkeys need one"));
    };
    // Over plain http, session cookies cannot be Secure and travel in clear text: only for this machine.
    if !https && host != "localhost" && !host.ends_with(".localhost") {
        return Err(bad(
            "is plain http for another machine: sessions would cross the network without TLS. Use https:// \
             (TLS here with --tls-cert/--tls-key, or at a proxy in front); http:// is for localhost only",
        ));
    }
    let origin = url.origin().ascii_serialization();
    Ok((origin, https))
}

/// `<exe dir>/../site` (target/site for target/debug/gatehouse), else ./target/site.
fn default_site_dir() -> PathBuf {
    std::env::current_exe()
        .ok()
        .and_then(|exe| exe.parent().and_then(Path::parent).map(|p| p.join("site")))
        .filter(|p| p.join("pkg").is_dir())
        .unwrap_or_else(|| PathBuf::from("target/site"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origins_are_normalised_and_paths_refused() {
        assert_eq!(parse_origin("https://Gate.Example.com/").unwrap(), ("https://gate.example.com".into(), true));
        assert_eq!(parse_origin("http://localhost:3000").unwrap(), ("http://localhost:3000".into(), false));
        assert!(parse_origin("https://example.com/portal").is_err());
        assert!(parse_origin("ftp://example.com").is_err());
        assert!(parse_origin("not a url").is_err());
        assert!(parse_origin("http://127.0.0.1:3000").is_err(), "WebAuthn needs a host name");
    }

    #[test]
    fn a_bad_setting_names_itself() {
        let cli = Cli::try_parse_from(["gatehouse", "serve", "--database-url", "mysql://x"]).unwrap();
        let err = cli.settings.resolve().unwrap_err().to_string();
        assert!(err.contains("--database-url"), "{err}");
        let cli = Cli::try_parse_from(["gatehouse", "serve", "--master-key", "short"]).unwrap();
        assert!(cli.settings.resolve().unwrap_err().to_string().contains("GATEHOUSE_MASTER_KEY"));
        let cli = Cli::try_parse_from(["gatehouse", "serve", "--token-prefix", "GAT_"]).unwrap();
        assert!(cli.settings.resolve().unwrap_err().to_string().contains("--token-prefix"));
    }

    #[test]
    fn smtp_needs_tls_off_this_machine_and_both_settings() {
        assert!(smtp(None, None).unwrap().is_none());
        assert!(smtp(Some("smtp://127.0.0.1:2525"), Some("Gatehouse <g@example.com>")).unwrap().is_some());
        assert!(smtp(Some("smtps://u:p@mail.example.com"), Some("g@example.com")).unwrap().is_some());
        assert!(smtp(Some("smtp://mail.example.com:587?tls=required"), Some("g@example.com")).unwrap().is_some());
        let plain = smtp(Some("smtp://mail.example.com:25"), Some("g@example.com")).unwrap_err().to_string();
        assert!(plain.contains("must use TLS"), "{plain}");
        assert!(smtp(Some("smtp://127.0.0.1:2525"), None).is_err());
        assert!(smtp(Some("smtp://127.0.0.1:2525"), Some("not an address")).is_err());
        let shown = format!("{:?}", smtp(Some("smtps://user:hunter2@mail.example.com"), Some("g@example.com")).unwrap());
        assert!(!shown.contains("hunter2"), "{shown}");
    }

    #[test]
    fn defaults_serve_sqlite_in_the_data_dir_on_localhost() {
        let cli = Cli::try_parse_from(["gatehouse", "serve"]).unwrap();
        let c = cli.settings.resolve().unwrap();
        assert_eq!(c.listen.to_string(), "127.0.0.1:3000");
        assert_eq!(c.public_origin, "http://localhost:3000");
        assert!(c.database_url.starts_with("sqlite://./data/gatehouse.db"));
    }
}
