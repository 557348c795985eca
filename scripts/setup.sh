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

if [ ! -x .tools/node_modules/.bin/wasm-opt ] || [ ! -d .tools/node_modules/playwright-core ] ||
  [ ! -x .tools/node_modules/hermes-engine-cli/linux64-bin/hermes ] || [ ! -d .tools/node_modules/metro ] ||
  [ ! -x .tools/node_modules/hermes-compiler/hermesc/linux64-bin/hermesc ]; then
  step "npm tools: binaryen (wasm-opt, wasm2js), playwright-core, Hermes (VM 0.12, current hermesc), Metro"
  npm ci --prefix .tools --no-audit --no-fund --loglevel=error
fi
if [ ! -d convex/node_modules/convex-test ]; then
  step "npm packages for convex/"
  npm ci --prefix convex --no-audit --no-fund --loglevel=error
fi
if [ ! -d js/node_modules/@testing-library/react ]; then
  step "npm packages for js/ (React hook tests)"
  npm ci --prefix js --no-audit --no-fund --loglevel=error
fi
if [ ! -d tests/package/fixtures/node_modules/@arethetypeswrong/cli ] || [ ! -d tests/package/fixtures/node_modules/next ]; then
  step "npm packages for tests/package/fixtures (esbuild, Rollup, webpack, Next.js, tsc, arethetypeswrong)"
  npm ci --prefix tests/package/fixtures --no-audit --no-fund --loglevel=error
fi
