#!/usr/bin/env bash
# Runs every test on a fresh or used machine: installs what is missing (wasm target, wasm-bindgen,
# npm packages, Debian chromium, PostgreSQL when none answers), builds, then runs the unit and
# integration tests against SQLite and PostgreSQL, and the Playwright browser tests.
source "$(dirname "$0")/lib.sh"
cd "$ROOT"

PG_URL="${GATEHOUSE_TEST_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/test}"
export GATEHOUSE_TEST_POSTGRES_URL="$PG_URL"

ensure_postgres() {
  if pg_answers; then return; fi
  log "no PostgreSQL answers at 127.0.0.1:5432: installing and starting Debian's"
  apt_install postgresql
  local version; version="$(ls /etc/postgresql | sort -V | tail -n1)"
  local hba="/etc/postgresql/$version/main/pg_hba.conf"
  # Local test server only: trust connections from this machine.
  grep -q "gatehouse-test" "$hba" || sed -i "1i host all all 127.0.0.1/32 trust # gatehouse-test\nhost all all ::1/128 trust # gatehouse-test" "$hba"
  pg_ctlcluster --skip-systemctl-redirect "$version" main start 2>/dev/null || pg_ctlcluster --skip-systemctl-redirect "$version" main reload
  for _ in $(seq 1 30); do pg_answers && break; sleep 1; done
  psql -h 127.0.0.1 -U postgres -tAc "SELECT 1 FROM pg_database WHERE datname = 'test'" | grep -q 1 \
    || psql -h 127.0.0.1 -U postgres -c "CREATE DATABASE test"
  pg_answers || { echo "PostgreSQL did not come up" >&2; exit 1; }
}

pg_answers() {
  command -v psql >/dev/null && psql "$PG_URL" -tAc "SELECT 1" >/dev/null 2>&1
}

command -v psql >/dev/null || apt_install postgresql-client
ensure_postgres
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
