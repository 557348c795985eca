#!/usr/bin/env bash
# Runs every test of the project: lints, the Rust tests (SDK core and local
# backend), the Convex functions under convex-test, the shared scenarios against
# both backends, the ConvexHttpClient conformance test, and the browser tests in
# headless Chromium. Installs what is missing first. Exits non-zero if anything fails;
# every stage runs even after a failure so one run shows everything that is wrong.
set -uo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
bash scripts/setup.sh || { echo "setup failed"; exit 1; }
source scripts/env.sh

results=()
failed=0
stage() {
  local name=$1; shift
  printf '\n==== %s\n' "$name"
  local start=$SECONDS
  if ( set -e; "$@" ); then
    results+=("ok    $name ($((SECONDS - start)) s)")
  else
    results+=("FAIL  $name ($((SECONDS - start)) s)")
    failed=$((failed + 1))
  fi
}

lint() {
  cargo fmt --all --check
  cargo clippy -q --workspace --all-targets -- -D warnings
  cargo clippy -q --lib --target wasm32-unknown-unknown -- -D warnings
}
rust_tests() {
  cargo build -q -p video-session-server
  cargo test -q --workspace
}
convex_tests() {
  cargo build -q -p video-session-server
  cd convex
  npx tsc --noEmit -p .
  VSS_SERVER_BIN="$root/target/debug/video-session-server" npx vitest run
}
browser_tests() {
  bash scripts/test-browser.sh
}

stage "lint (fmt, clippy native + wasm32)" lint
stage "rust tests (SDK core, local backend)" rust_tests
stage "convex-test, shared scenarios x2, ConvexHttpClient conformance" convex_tests
stage "browser tests (wasm in headless Chromium)" browser_tests

printf '\n==== summary\n'
printf '%s\n' "${results[@]}"
passed=$(( ${#results[@]} - failed ))
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
