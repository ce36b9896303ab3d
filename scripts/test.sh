#!/usr/bin/env bash
# Runs every test on a fresh or used machine: installs what is missing (wasm target, wasm-bindgen,
# npm packages, Debian chromium, PostgreSQL when none answers), builds, then runs the unit and
# integration tests against SQLite and PostgreSQL, and the Playwright browser tests.
source "$(dirname "$0")/lib.sh"
cd "$ROOT"

PG_URL="${GATEHOUSE_TEST_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/test}"
export GATEHOUSE_TEST_POSTGRES_URL="$PG_URL"

ensure_postgres "$PG_URL"
[ -x /usr/bin/chromium ] || apt_install chromium
# The browser tests move a record back in time in the server's SQLite file.
command -v sqlite3 >/dev/null || apt_install sqlite3
# The e-mail tests send to a local SMTP sink (aiosmtpd, run with Debian's python3).
apt_install python3-aiosmtpd
ensure_npm_packages
# The API fuzzing test runs schemathesis against the server.
ensure_schemathesis
build_site debug

log "the browser bundle pulls in no server crates"
if cargo tree -p frontend --target wasm32-unknown-unknown -e normal --prefix none | grep -E '^(domain|sqlx|tokio|axum) v'; then
  echo "frontend depends on a server-only crate (see DESIGN.md §1)" >&2; exit 1
fi

log "dependencies: permissive licences, crates.io only, no yanked version"
ensure_cargo_deny
cargo deny --config scripts/deny.toml check licenses bans sources
python3 scripts/yanked.py Cargo.lock

log "unit and integration tests (SQLite and PostgreSQL)"
cargo test -p domain -p app -p server --features app/ssr

log "browser tests (Playwright, Debian chromium)"
(cd end2end && npx playwright test)
