//! Store and accounts-service tests, each run against a fresh SQLite file and a fresh PostgreSQL database.

mod accounts;
mod admin;
mod audit_chain;
mod migrations;
mod oauth_clients;
mod oauth_keys;
mod rate_limits;
mod support;
mod token_lifecycle;
mod tokens;
mod transactions;
