#!/usr/bin/env bash
# Builds Gatehouse (release) and serves it: `scripts/run.sh [gatehouse serve options]`.
# Installs what is missing first (wasm target, wasm-bindgen, npm's binaryen for wasm-opt).
source "$(dirname "$0")/lib.sh"
cd "$ROOT"
ensure_npm_packages
build_site release
exec "$ROOT/target/release/gatehouse" serve "$@"
