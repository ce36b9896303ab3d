#!/usr/bin/env bash
# Before/after: the same figures as bench.sh's token path (bare /healthz, malformed token, personal
# token, JWT, introspection) for an older release binary and the current one, started in turn on
# one seeded SQLite data directory (1,000 tokens), interleaved over three rounds; server on CPU 0,
# wrk on CPU 1. Build the older binary from its commit first, e.g.
#   git worktree add /tmp/before <commit> && (cd /tmp/before && cargo build --release -p server --bin gatehouse)
# Usage: scripts/bench-ab.sh <older gatehouse binary> [seconds per figure, default 8]
source "$(dirname "$0")/lib.sh"
cd "$ROOT"

BEFORE="${1:?usage: scripts/bench-ab.sh <older gatehouse binary> [seconds]}"
DURATION="${2:-8}"
PORT="${BENCH_PORT:-3993}"
BASE="http://127.0.0.1:$PORT"
command -v wrk >/dev/null || apt_install wrk
cargo build --release -p server --bin gatehouse
cargo build --release -p server --example seed_tokens

dir="$(mktemp -d)"
trap 'rm -rf "$dir"' EXIT
target/release/examples/seed_tokens 1000 --data-dir "$dir" > "$dir/seed.env" 2>/dev/null
# shellcheck disable=SC1091
source "$dir/seed.env"
bad="${PAT%?}x"; [ "$bad" = "$PAT" ] && bad="${PAT%?}y"
RAISED=()
for rule in api.ip api.token api.user api.client introspection.ip introspection.client; do RAISED+=(--rate-limit "$rule=100000000/s"); done
rps() {
  taskset -c 1 wrk -t1 -c32 -d"${DURATION}s" "$@" > "$dir/wrk.txt"
  echo "$(awk '/Requests\/sec/ {print $2}' "$dir/wrk.txt")"
}
basic="$(printf '%s:%s' "$CLIENT_ID" "$CLIENT_SECRET" | base64 -w0)"
for round in 1 2 3; do
  for bin in "$BEFORE" target/release/gatehouse; do
    taskset -c 0 "$bin" serve --data-dir "$dir" --listen "127.0.0.1:$PORT" "${RAISED[@]}" > "$dir/server.log" 2>&1 &
    pid=$!
    for _ in $(seq 1 100); do curl -fs "$BASE/readyz" >/dev/null && break; sleep 0.1; done
    taskset -c 1 wrk -t1 -c32 -d2s -H "Authorization: Bearer $PAT" "$BASE/api/v1/user" >/dev/null
    access="$(curl -fs -u "$CLIENT_ID:$CLIENT_SECRET" -d grant_type=client_credentials -d scope=user:read "$BASE/oauth/token" \
      | python3 -c 'import json, sys; print(json.load(sys.stdin)["access_token"])')"
    printf 'wrk.method = "POST"\nwrk.body = "token=%s"\nwrk.headers["Content-Type"] = "application/x-www-form-urlencoded"\nwrk.headers["Authorization"] = "Basic %s"\n' \
      "$access" "$basic" > "$dir/introspect.lua"
    echo "round $round, $bin: bare $(rps "$BASE/healthz"); malformed $(rps -H "Authorization: Bearer $bad" "$BASE/api/v1/user");" \
      "personal token $(rps -H "Authorization: Bearer $PAT" "$BASE/api/v1/user"); JWT $(rps -H "Authorization: Bearer $access" "$BASE/api/v1/user");" \
      "introspection $(rps -s "$dir/introspect.lua" "$BASE/oauth/introspect")"
    kill "$pid"; wait "$pid" 2>/dev/null || true
  done
done
