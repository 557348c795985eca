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
  local start=$SECONDS rc=0
  # Not `if ( set -e; … )` nor `( … ) || rc=$?`: bash ignores `set -e` inside a
  # condition or an && / || list, so a failing command that is not a stage's last
  # would pass unseen. This script runs without -e, so a plain status read is safe.
  ( set -e; "$@" )
  rc=$?
  if [ "$rc" -eq 0 ]; then
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
  cargo clippy -q --target wasm32-unknown-unknown --test browser --test browser_delivery -- -D warnings
  cargo clippy -q --features ts --lib --test ts_golden -- -D warnings
}
rust_tests() {
  cargo build -q -p video-session-server
  cargo test -q --workspace
  # The package's TypeScript is generated from the Rust types: js/generated/types.d.ts
  # must be what they generate now (UPDATE_TS=1 … rewrites it; src/ts_decl.rs).
  cargo test -q --features ts --lib --test ts_golden
}
convex_tests() {
  cargo build -q -p video-session-server
  cd convex
  npx tsc --noEmit -p .
  VSS_SERVER_BIN="$root/target/debug/video-session-server" npx vitest run
  # What `npx convex deploy` does short of a deployment, offline: the typecheck of
  # --typecheck=enable, the deploy bundler (--debug-bundle-path), the bundled auth config.
  node scripts/deploy-check.mjs
}
# Also builds the release package into pkg/, which the stages after it use.
browser_tests() {
  bash scripts/test-browser.sh
}
react_hook_tests() {
  cd js
  VSS_SERVER_BIN="$root/target/debug/video-session-server" npx vitest run
}
node_tests() {
  VSS_SERVER_BIN="$root/target/debug/video-session-server" node --test "$@"
}

stage "lint (fmt, clippy native + wasm32)" lint
stage "rust tests (SDK core, fault injection, bad inputs, local backend)" rust_tests
stage "convex-test, shared scenarios x2, ConvexHttpClient conformance" convex_tests
stage "browser tests (wasm in headless Chromium) + release build" browser_tests
stage "React hook (jsdom, real wasm client, real backend)" react_hook_tests
stage "npm package (pack, Node entry, types, README; Vite, esbuild, Rollup, webpack, Next.js apps)" node_tests tests/package/
# Needs pkg/ (the browser stage builds it, pkg/react-native.js included).
react_native_tests() {
  node_tests tests/rn/
  (cd examples/react-native && npx tsc --noEmit -p .)
}
stage "React Native entry (no WebAssembly: semantics, Node over HTTP, Hermes, Metro; example typecheck)" react_native_tests
stage "demo end-to-end (playwright-core, Chromium)" node_tests tests/e2e/
stage "browser crash trials (kill/reload at random moments)" node_tests tests/crash/

printf '\n==== summary\n'
printf '%s\n' "${results[@]}"
passed=$(( ${#results[@]} - failed ))
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
