//! HTTP integration tests: the real router on an ephemeral port, against a fresh SQLite file and a
//! fresh PostgreSQL database, driven with reqwest as a browser would (cookies, Origin header).

mod support;

mod admin_area;
mod api;
mod api_fuzz;
mod audit_api;
mod binary;
mod bundle_files;
mod clients_api;
mod clients_in_the_browser;
mod health;
mod mail;
mod oauth_code_flow;
mod oauth_server;
mod origin_and_limits;
mod passkeys;
mod rate_limits;
mod replicas;
mod security_headers;
mod sessions;
mod sign_in;
mod sign_up;
mod token_activity_and_leaks;
mod tokens_in_the_browser;
mod transport;
mod webhooks;
