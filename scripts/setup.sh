#!/usr/bin/env bash
# Installs what the build and the tests need, and only what is missing, so it is
# cheap to run before every test run. Everything comes from the package registries
# this machine reaches (Debian, crates.io, npm); nothing downloads a binary from
# elsewhere, which is why wasm-opt comes from npm's binaryen and not wasm-pack's own
# download, and why Chromium is Debian's.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"

step() { printf '\n== setup: %s\n' "$*"; }
export PATH="$HOME/.cargo/bin:$PATH"

if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  step "rust target wasm32-unknown-unknown"
  rustup target add wasm32-unknown-unknown
fi

if [ ! -x /usr/bin/chromium ] || [ ! -x /usr/bin/chromedriver ]; then
  step "chromium and chromedriver (Debian)"
  sudo_=""; [ "$(id -u)" = 0 ] || sudo_="sudo"
  $sudo_ apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_ apt-get install -y -qq chromium chromium-driver >/dev/null
fi

# wasm-bindgen-cli must be exactly the wasm-bindgen crate version in Cargo.lock.
wb_version=$(awk '/^name = "wasm-bindgen"$/{getline; gsub(/version = |"/, ""); print; exit}' Cargo.lock)
if [ "$(wasm-bindgen --version 2>/dev/null | awk '{print $2}')" != "$wb_version" ]; then
  step "wasm-bindgen-cli $wb_version (about 2.5 min)"
  # Not --locked: the registry lacks some of the CLI's locked dependency versions.
  cargo install -q wasm-bindgen-cli --version "$wb_version"
fi
if ! command -v wasm-pack >/dev/null; then
  step "wasm-pack (about 2 min)"
  cargo install -q --locked wasm-pack
fi

# npm packages: `npm ci` in a folder whose install is missing or older than its lock
# file (npm writes node_modules/.package-lock.json at each install), so a pull that
# changes a lock file reinstalls that folder and nothing else.
npm_ci() {
  local dir=$1 what=$2; shift 2
  if [ ! -f "$dir/node_modules/.package-lock.json" ] ||
    [ "$dir/package-lock.json" -nt "$dir/node_modules/.package-lock.json" ]; then
    step "npm packages for $dir: $what"
    # Three tries: a registry hiccup (a reset connection, a 5xx) must not fail a
    # whole CI run, as one did at 29 s with nothing printed but npm's log path.
    local try
    for try in 1 2 3; do
      if npm ci --prefix "$dir" --no-audit --no-fund --loglevel=error "$@"; then
        return 0
      fi
      echo "setup: npm ci in $dir failed (try $try of 3); the end of npm's log:" >&2
      npm_log_tail >&2
      [ "$try" = 3 ] || sleep $((try * 10))
    done
    return 1
  fi
}
# The newest npm debug log's last lines: npm prints only the log's path on some
# failures, and CI keeps no files.
npm_log_tail() {
  local log
  log=$(ls -t "${npm_config_cache:-$HOME/.npm}"/_logs/*-debug-*.log 2>/dev/null | head -1)
  [ -n "$log" ] && grep -E 'error|verbose (stack|statusCode|type)|http fetch' "$log" | tail -25
  return 0
}
npm_ci scripts/tools "binaryen (wasm-opt, wasm2js), playwright-core, axe-core, Hermes (VM 0.12, current hermesc), Metro"
npm_ci convex "convex, convex-test, vitest"
npm_ci js "React hook tests"
npm_ci examples/react-native "typechecked only; no install scripts" --ignore-scripts
npm_ci tests/package/fixtures "esbuild, Rollup, webpack, Next.js, tsc, arethetypeswrong"
