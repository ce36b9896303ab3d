# Shared steps for the scripts in this folder: install what is missing (idempotent) and build.
# Sourced, not run.

set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
WASM_BINDGEN_VERSION="0.2.130"
BINARYEN_VERSION="132"
export PATH="$HOME/.cargo/bin:$PATH"

log() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }

apt_install() {
  local missing=()
  for pkg in "$@"; do dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg"); done
  if [ ${#missing[@]} -gt 0 ]; then
    log "installing Debian packages: ${missing[*]}"
    local sudo=""; [ "$(id -u)" -ne 0 ] && sudo="sudo"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
  fi
}

ensure_rust_tools() {
  # webauthn-rs links OpenSSL.
  apt_install libssl-dev pkg-config
  if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
    log "adding the wasm32-unknown-unknown target"
    rustup target add wasm32-unknown-unknown
  fi
  if [ "$(wasm-bindgen --version 2>/dev/null | awk '{print $2}')" != "$WASM_BINDGEN_VERSION" ]; then
    log "installing wasm-bindgen-cli $WASM_BINDGEN_VERSION (about 3 minutes, once)"
    cargo install wasm-bindgen-cli --version "$WASM_BINDGEN_VERSION" --force
  fi
}

# cargo-deny for the licence, ban and source policy of the dependency graph (scripts/deny.toml).
CARGO_DENY_VERSION="0.20.2"
ensure_cargo_deny() {
  if [ "$(cargo deny --version 2>/dev/null | awk '{print $2}')" != "$CARGO_DENY_VERSION" ]; then
    log "installing cargo-deny $CARGO_DENY_VERSION (about 5 minutes, once)"
    cargo install cargo-deny --version "$CARGO_DENY_VERSION" --locked --force
  fi
}

# schemathesis (PyPI) in its own virtualenv under target/, for the API fuzzing test.
SCHEMATHESIS_VERSION="4.32.5"
ensure_schemathesis() {
  local venv="$ROOT/target/tools/schemathesis"
  if [ "$("$venv/bin/schemathesis" --version 2>/dev/null | awk '{print $NF}')" != "$SCHEMATHESIS_VERSION" ]; then
    log "installing schemathesis $SCHEMATHESIS_VERSION (PyPI) into target/tools"
    python3 -m venv "$venv" 2>/dev/null || { apt_install python3-venv; python3 -m venv "$venv"; }
    "$venv/bin/pip" install --quiet --disable-pip-version-check "schemathesis==$SCHEMATHESIS_VERSION"
  fi
  export GATEHOUSE_SCHEMATHESIS="$venv/bin/schemathesis"
}

# npm's binaryen (Debian's wasm-opt 108 breaks hydration).
ensure_wasm_opt() {
  if [ ! -x "$ROOT/end2end/node_modules/.bin/wasm-opt" ]; then
    ensure_npm_packages
  fi
}

ensure_npm_packages() {
  command -v npm >/dev/null || apt_install nodejs npm
  if [ ! -d "$ROOT/end2end/node_modules/@playwright/test" ] || [ "$ROOT/end2end/package-lock.json" -nt "$ROOT/end2end/node_modules/.package-lock.json" ]; then
    log "installing npm packages of end2end/"
    (cd "$ROOT/end2end" && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund)
  fi
}

# build_site debug|release: the browser bundle into target/site/pkg, then the server binary.
# Every page is a lazy route (app/src/lazy_pages.rs): bundle-split cuts the wasm at those points into a main
# module, one module per page and the chunks pages share, plus the manifest the server reads to
# preload a page's modules. Linking with --emit-relocs lets it move code between modules.
build_site() {
  local mode="$1" profile_flag="" wasm_dir="debug" server_flag=""
  if [ "$mode" = release ]; then
    profile_flag="--profile wasm-release"; wasm_dir="wasm-release"; server_flag="--release"
  fi
  ensure_rust_tools
  log "building the browser bundle ($mode)"
  (cd "$ROOT" && CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUSTFLAGS="-Clink-args=--emit-relocs" \
    cargo build -p frontend --lib --target wasm32-unknown-unknown $profile_flag)
  (cd "$ROOT" && cargo build -p bundle-split --quiet)
  local site="$ROOT/target/site"
  rm -rf "$site/pkg"; mkdir -p "$site/pkg"
  "$ROOT/target/debug/bundle-split" "$ROOT/target/wasm32-unknown-unknown/$wasm_dir/frontend.wasm" "$site/pkg" gatehouse
  # The split modules call the main module's functions by their link names: keep them.
  wasm-bindgen --target web --no-typescript --keep-lld-exports --no-demangle --out-dir "$site/pkg" --out-name gatehouse \
    "$site/pkg/gatehouse_split.wasm"
  rm "$site/pkg/gatehouse_split.wasm"
  if [ "$mode" = release ]; then
    ensure_wasm_opt
    local modules=("$site"/pkg/*.wasm)
    log "optimising ${#modules[@]} wasm modules for size"
    # binaryen's -Oz through its JS API, two processes, each compiling binaryen once (scripts/wasm_opt.mjs).
    printf '%s\n' "${modules[@]}" | xargs -P 2 -n $(( (${#modules[@]} + 1) / 2 )) \
      node "$ROOT/scripts/wasm_opt.mjs" "$ROOT/end2end/node_modules/binaryen" 2> >(grep -v "unknown name subsection" >&2)
  fi
  cat "$ROOT"/style/*.css > "$site/pkg/gatehouse.css"
  if [ "$mode" = release ]; then
    # Compressed copies beside each file; the server sends one to browsers that accept it.
    apt_install brotli
    log "compressing the bundle (brotli, gzip)"
    find "$site/pkg" -type f \( -name '*.wasm' -o -name '*.js' -o -name '*.css' \) -print0 \
      | xargs -0 -P 2 -I{} sh -c 'brotli -q 11 -f -k "$1" && gzip -9 -f -k "$1"' _ {}
  fi
  log "building the server ($mode)"
  (cd "$ROOT" && cargo build -p server --bin gatehouse $server_flag)
}

# ensure_postgres URL: a PostgreSQL answering at 127.0.0.1:5432 (Debian's, installed and started
# with trust for local connections when none answers) and its `test` database.
ensure_postgres() {
  PG_URL="$1"
  command -v psql >/dev/null || apt_install postgresql-client
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
