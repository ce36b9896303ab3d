#!/usr/bin/env bash
# Load benchmarks of the hot paths, written into BENCHMARKS.md (between its bench.sh markers).
# For SQLite and PostgreSQL, with 1,000 and 1,000,000 stored tokens, one release server pinned to
# CPU 0 and wrk pinned to CPU 1 compare, in the same run and interleaved over rounds (the median
# counts, so drift in the machine's speed hits every figure alike): the bare GET /healthz
# (baseline), GET /api/v1/user with a personal token, with a malformed token and with an OAuth
# JWT, and client-authenticated introspection of that JWT; at 1,000 tokens also the personal-token
# route during a flood of password sign-ins, and the time to first byte of the tokens page that
# lists all 1,000 tokens. Memory (resident set) at idle and its peak under load; the release
# browser bundle's size (what a first visit to each page downloads, gzipped). Then the criterion
# benchmark of the token verifier.
# Usage: scripts/bench.sh [seconds per measurement, default 10]
source "$(dirname "$0")/lib.sh"
cd "$ROOT"

DURATION="${1:-10}"
ROUNDS=3
PORT="${BENCH_PORT:-3990}"
BASE="http://127.0.0.1:$PORT"
PG_SERVER="postgres://postgres@127.0.0.1:5432"
OUT="$ROOT/target/bench"
mkdir -p "$OUT"

command -v wrk >/dev/null || apt_install wrk
apt_install libssl-dev pkg-config
ensure_postgres "$PG_SERVER/test"
ensure_npm_packages
build_site release
log "building the seeding tool"
cargo build --release -p server --example seed_tokens

# Every quota the load reaches is raised out of its reach: counting stays on (its cost is part of
# the measured path), refusing does not.
RAISED=()
for rule in api.ip api.token api.user api.client introspection.ip introspection.client sign_in.ip sign_in.user; do
  RAISED+=(--rate-limit "$rule=100000000/s")
done

wrk_run() { # out-file, wrk arguments… (pinned to CPU 1) → requests per second
  local file="$1"; shift
  taskset -c 1 wrk -t1 -c32 -d"${DURATION}s" --latency "$@" > "$file"
  awk '/Requests\/sec/ {print $2}' "$file"
}
rps() { wrk_run "$OUT/wrk.txt" "$@"; }
non2xx() { awk '/Non-2xx/ { n = $NF } END { print n + 0 }' "$OUT/wrk.txt"; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
median() { printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
rss_mb() { awk -v f="$2" '$1 == f":" { printf "%.1f", $2 / 1024 }' "/proc/$1/status"; }
# A form POST for wrk: url-path, body, extra "Header: value" lines.
post_script() {
  local file="$1" body="$2"; shift 2
  { echo 'wrk.method = "POST"'; echo "wrk.body = \"$body\""
    echo 'wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"'
    for h in "$@"; do echo "wrk.headers[\"${h%%: *}\"] = \"${h#*: }\""; done; } > "$file"
}
ttfb() { curl -s -o /dev/null -w '%{time_starttransfer}\n' "$@"; }

declare -A R
run_config() { # backend (sqlite|postgres), stored tokens
  local backend="$1" n="$2" key="$1,$2" dir db opts pid
  dir="$(mktemp -d)"
  opts=(--data-dir "$dir")
  if [ "$backend" = postgres ]; then
    db="gatehouse_bench_$$"
    psql "$PG_SERVER/test" -qc "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db"
    opts+=(--database-url "$PG_SERVER/$db")
  fi
  log "$backend, $n tokens: seeding"
  target/release/examples/seed_tokens "$n" "${opts[@]}" > "$dir/seed.env" 2>"$OUT/seed.log"
  # shellcheck disable=SC1091
  source "$dir/seed.env"
  local malformed="${PAT%?}x"
  [ "$malformed" = "$PAT" ] && malformed="${PAT%?}y"
  taskset -c 0 target/release/gatehouse serve "${opts[@]}" --listen "127.0.0.1:$PORT" "${RAISED[@]}" \
    >"$OUT/server-$backend-$n.log" 2>&1 &
  pid=$!
  for _ in $(seq 1 100); do curl -fs "$BASE/readyz" >/dev/null && break; sleep 0.1; done
  sleep 2
  R[$key,rss_idle]="$(rss_mb "$pid" VmRSS)"
  log "$backend, $n tokens: warming up"
  taskset -c 1 wrk -t1 -c32 -d2s -H "Authorization: Bearer $PAT" "$BASE/api/v1/user" >/dev/null
  local basic; basic="$(printf '%s:%s' "$CLIENT_ID" "$CLIENT_SECRET" | base64 -w0)"
  local bare=() auth=() bad=() jwt=() intro=() errors=0
  log "$backend, $n tokens: $ROUNDS rounds of $DURATION s per figure"
  for _ in $(seq 1 "$ROUNDS"); do
    bare+=("$(rps "$BASE/healthz")")
    auth+=("$(rps -H "Authorization: Bearer $PAT" "$BASE/api/v1/user")"); errors=$((errors + $(non2xx)))
    bad+=("$(rps -H "Authorization: Bearer $malformed" "$BASE/api/v1/user")")
    if [ "$n" = 1000 ]; then
      # A fresh access token each round (they live five minutes), then the same token introspected.
      local access
      access="$(curl -fs -u "$CLIENT_ID:$CLIENT_SECRET" -d grant_type=client_credentials -d scope=user:read "$BASE/oauth/token" \
        | python3 -c 'import json, sys; print(json.load(sys.stdin)["access_token"])')"
      jwt+=("$(rps -H "Authorization: Bearer $access" "$BASE/api/v1/user")"); errors=$((errors + $(non2xx)))
      post_script "$OUT/introspect.lua" "token=$access" "Authorization: Basic $basic"
      intro+=("$(rps -s "$OUT/introspect.lua" "$BASE/oauth/introspect")"); errors=$((errors + $(non2xx)))
    fi
  done
  R[$key,bare]="$(median "${bare[@]}")"; R[$key,bare_all]="${bare[*]}"
  R[$key,auth]="$(median "${auth[@]}")"; R[$key,auth_all]="${auth[*]}"
  R[$key,bad]="$(median "${bad[@]}")"; R[$key,bad_all]="${bad[*]}"
  if [ "$n" = 1000 ]; then
    R[$key,jwt]="$(median "${jwt[@]}")"; R[$key,jwt_all]="${jwt[*]}"
    R[$key,intro]="$(median "${intro[@]}")"; R[$key,intro_all]="${intro[*]}"
    log "$backend, $n tokens: the personal-token route during a password sign-in flood"
    # Right password, so every attempt runs argon2 (wrong ones are throttled after a few).
    post_script "$OUT/flood.lua" "email=bench%40example.com&password=correct%20horse%20battery%20staple" \
      "Origin: http://localhost:$PORT"
    local calm=() flooded=() signins=()
    for _ in $(seq 1 "$ROUNDS"); do
      calm+=("$(rps -H "Authorization: Bearer $PAT" "$BASE/api/v1/user")")
      taskset -c 1 wrk -t1 -c8 -d"$((DURATION + 2))s" -s "$OUT/flood.lua" "$BASE/rpc/sign_in" > "$OUT/flood.txt" &
      local flood=$!
      sleep 1
      flooded+=("$(rps -H "Authorization: Bearer $PAT" "$BASE/api/v1/user")")
      wait "$flood"
      signins+=("$(awk '/Requests\/sec/ {print $2}' "$OUT/flood.txt")")
    done
    R[$key,calm]="$(median "${calm[@]}")"; R[$key,calm_all]="${calm[*]}"
    R[$key,flooded]="$(median "${flooded[@]}")"; R[$key,flooded_all]="${flooded[*]}"
    R[$key,signins]="$(median "${signins[@]}")"
    log "$backend, $n tokens: time to first byte of the tokens page"
    local page=() healthz=()
    R[$key,page_bytes]="$(curl -fs -H "Cookie: gatehouse_session=$SESSION" "$BASE/tokens" | wc -c)"
    for _ in $(seq 1 100); do
      healthz+=("$(ttfb "$BASE/healthz")")
      page+=("$(ttfb -H "Cookie: gatehouse_session=$SESSION" "$BASE/tokens")")
    done
    R[$key,ttfb_bare]="$(median "${healthz[@]}")"; R[$key,ttfb_page]="$(median "${page[@]}")"
  fi
  R[$key,errors]="$errors"
  R[$key,rss_peak]="$(rss_mb "$pid" VmHWM)"
  R[$key,health]="$(curl -fs "$BASE/healthz")"
  kill "$pid"; wait "$pid" 2>/dev/null || true
  [ "$backend" = postgres ] && psql "$PG_SERVER/test" -qc "DROP DATABASE IF EXISTS $db"
  rm -rf "$dir"
}

for backend in sqlite postgres; do
  for n in 1000 1000000; do run_config "$backend" "$n"; done
done

log "criterion: the verifier"
cargo bench -p domain --bench verifier -- --noplot 2>/dev/null | tee "$OUT/criterion.txt" | grep -E "^verifier/|time:" || true

bundle_table="$(python3 scripts/bundle_size.py target/site/pkg)"
kb() { awk -v b="$1" 'BEGIN { printf "%.0f", b / 1024 }'; }
ms() { awk -v s="$1" 'BEGIN { printf "%.2f", s * 1000 }'; }

report() {
  echo "Measured by \`scripts/bench.sh $DURATION\` on $(date -u +%Y-%m-%d), $(nproc) cores ($(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo))."
  echo "Server: release build, default settings and logging except the raised quotas below, pinned to CPU 0. wrk (1 thread,"
  echo "32 connections, ${DURATION} s per figure) pinned to CPU 1. PostgreSQL $(psql "$PG_SERVER/test" -tAc 'SHOW server_version' | cut -d' ' -f1) runs on the same machine, not pinned"
  echo "(it shares both cores). The baseline of every ratio is the bare \`GET /healthz\` of the same server in the same run;"
  echo "each figure is the median of $ROUNDS interleaved rounds (every round is listed below the tables)."
  echo
  echo "## Token path under load"
  echo
  echo "| database | stored tokens | bare (req/s) | personal token (req/s) | ÷ bare | malformed token (req/s) | ÷ bare |"
  echo "|---|---:|---:|---:|---:|---:|---:|"
  for backend in sqlite postgres; do for n in 1000 1000000; do
    local k="$backend,$n"
    echo "| $backend | $n | ${R[$k,bare]} | ${R[$k,auth]} | $(ratio "${R[$k,auth]}" "${R[$k,bare]}") | ${R[$k,bad]} | $(ratio "${R[$k,bad]}" "${R[$k,bare]}") |"
  done; done
  echo
  for backend in sqlite postgres; do
    echo "From 1,000 to 1,000,000 tokens on $backend the personal-token route keeps $(ratio "${R[$backend,1000000,auth]}" "${R[$backend,1000,auth]}") of its throughput."
  done
  echo
  echo "## OAuth access tokens and introspection (1,000 tokens)"
  echo
  echo "| database | bare (req/s) | JWT on /api/v1/user (req/s) | ÷ bare | introspection (req/s) | ÷ personal-token route |"
  echo "|---|---:|---:|---:|---:|---:|"
  for backend in sqlite postgres; do
    local k="$backend,1000"
    echo "| $backend | ${R[$k,bare]} | ${R[$k,jwt]} | $(ratio "${R[$k,jwt]}" "${R[$k,bare]}") | ${R[$k,intro]} | $(ratio "${R[$k,intro]}" "${R[$k,auth]}") |"
  done
  echo
  echo "Introspection is \`POST /oauth/introspect\` with \`client_secret_basic\` and the JWT the same client obtained by client"
  echo "credentials at the start of the round."
  echo
  echo "## Personal-token route during a password sign-in flood (1,000 tokens)"
  echo
  echo "A second wrk (8 connections, also on CPU 1) posts the right e-mail and password to the sign-in server function for"
  echo "the whole measurement, so every attempt runs argon2id (m = 19 MiB, t = 2) and opens a session; the sign-in quotas are"
  echo "raised for it (wrong passwords would be throttled after a few attempts and cost little)."
  echo
  echo "| database | unloaded (req/s) | during the flood (req/s) | ratio | sign-ins served meanwhile (req/s) |"
  echo "|---|---:|---:|---:|---:|"
  for backend in sqlite postgres; do
    local k="$backend,1000"
    echo "| $backend | ${R[$k,calm]} | ${R[$k,flooded]} | $(ratio "${R[$k,flooded]}" "${R[$k,calm]}") | ${R[$k,signins]} |"
  done
  echo
  echo "## Memory"
  echo
  echo "| database | stored tokens | resident at idle (MB) | peak resident over the run (MB) |"
  echo "|---|---:|---:|---:|"
  for backend in sqlite postgres; do for n in 1000 1000000; do
    echo "| $backend | $n | ${R[$backend,$n,rss_idle]} | ${R[$backend,$n,rss_peak]} |"
  done; done
  echo
  echo "Idle: two seconds after the server answered \`/readyz\`. Peak: \`VmHWM\` after every figure above (at 1,000 tokens"
  echo "including the sign-in flood, whose argon2id hashes take 19 MiB each)."
  echo
  echo "## Browser bundle and the tokens page"
  echo
  echo "Release bundle (\`--profile wasm-release\`: opt-level z, LTO; split per page by \`bundle-split\`; every module"
  echo "through npm binaryen's \`wasm-opt -Oz\`), gzip -9 file by file (\`scripts/bundle_size.py\`):"
  echo
  echo "$bundle_table"
  echo
  echo "| database | median TTFB of /healthz (ms) | median TTFB of /tokens listing 1,000 tokens (ms) | ratio | page size (KB) |"
  echo "|---|---:|---:|---:|---:|"
  for backend in sqlite postgres; do
    local k="$backend,1000"
    echo "| $backend | $(ms "${R[$k,ttfb_bare]}") | $(ms "${R[$k,ttfb_page]}") | $(ratio "${R[$k,ttfb_page]}" "${R[$k,ttfb_bare]}") | $(kb "${R[$k,page_bytes]}") |"
  done
  echo
  echo "100 sequential \`curl\` requests each, interleaved, a new connection per request, signed in by a session cookie."
  echo
  echo "## Every round"
  echo
  for backend in sqlite postgres; do for n in 1000 1000000; do
    local k="$backend,$n"
    echo "- $backend, $n tokens (req/s): bare ${R[$k,bare_all]}; personal token ${R[$k,auth_all]}; malformed ${R[$k,bad_all]}."
    if [ "$n" = 1000 ]; then
      echo "  JWT ${R[$k,jwt_all]}; introspection ${R[$k,intro_all]}; unloaded ${R[$k,calm_all]}; during the flood ${R[$k,flooded_all]}."
    fi
    echo "  Answers other than 2xx on the routes that should succeed: ${R[$k,errors]}. \`/healthz\` at the end: \`${R[$k,health]}\`."
  done; done
  echo
  echo "## The verifier alone (criterion)"
  echo
  echo "\`cargo bench -p domain --bench verifier\`: median time per call; the baseline is SHA-256 of the token alone."
  echo
  echo '```'
  grep -E "^verifier/|time:" "$OUT/criterion.txt" | sed 's/^ *//'
  echo '```'
}

report > "$OUT/report.md"
# Replace what lies between the markers; the hand-written history around them stays.
python3 - "$OUT/report.md" <<'EOF'
import re, sys
report = open(sys.argv[1]).read()
doc = open("BENCHMARKS.md").read()
begin, end = "<!-- bench.sh:begin -->", "<!-- bench.sh:end -->"
if begin not in doc:
    doc = doc.rstrip() + f"\n\n{begin}\n{end}\n"
head, rest = doc.split(begin, 1)
tail = rest.split(end, 1)[1]
open("BENCHMARKS.md", "w").write(f"{head}{begin}\n{report}{end}{tail}")
EOF
log "written to BENCHMARKS.md"
cat "$OUT/report.md"
