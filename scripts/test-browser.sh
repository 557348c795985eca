#!/usr/bin/env bash
# Browser tests of the wasm build, against the real local backend:
#  1. starts video-session-server on 127.0.0.1 (free port, temp database), and finds a
#     second free port where nothing listens (the "offline" backend);
#  2. runs tests/browser.rs and tests/browser_delivery.rs with `wasm-pack test` in
#     headless Chromium (webdriver.json holds Chromium's flags); the server's URL is
#     baked into the test build through VSS_TEST_SERVER_URL / VSS_TEST_DEAD_URL;
#  3. builds the RELEASE package (scripts/build-wasm.sh) and loads it with
#     playwright-core from a page the server serves (--www): debug builds skip
#     wasm-opt, so only this catches a release build that does not instantiate.
# The server is stopped on exit, whatever happens.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
source scripts/env.sh

target_dir=${CARGO_TARGET_DIR:-$root/target}
case "$target_dir" in /*) ;; *) target_dir="$root/$target_dir" ;; esac
# VSS_SERVER_BIN: use that server binary instead of building one.
if [ -n "${VSS_SERVER_BIN:-}" ]; then
  server_bin=$VSS_SERVER_BIN
else
  server_bin="$target_dir/debug/video-session-server"
  echo "== building the local server"
  cargo build -q -p video-session-server
fi

tmp=$(mktemp -d)
server_pid=""
cleanup() {
  if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then
    kill "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
  fi
  rm -rf "$tmp"
}
trap cleanup EXIT INT TERM

mkdir -p "$tmp/www"
"$server_bin" --port 0 --db "$tmp/test.sqlite3" --www "$tmp/www" >"$tmp/server.log" 2>&1 &
server_pid=$!
url=""
for _ in $(seq 1 300); do
  url=$(grep -o 'listening on http://127\.0\.0\.1:[0-9]*' "$tmp/server.log" 2>/dev/null | head -1 | sed 's/^listening on //' || true)
  [ -n "$url" ] && break
  if ! kill -0 "$server_pid" 2>/dev/null; then
    echo "the server exited:"; cat "$tmp/server.log"; exit 1
  fi
  sleep 0.1
done
[ -n "$url" ] || { echo "the server did not report its address:"; cat "$tmp/server.log"; exit 1; }
dead_port=$(node -e 'const s = require("net").createServer().listen(0, "127.0.0.1", () => { console.log(s.address().port); s.close(); })')
echo "== server at $url; offline backend at http://127.0.0.1:$dead_port"

echo "== wasm-bindgen-test in headless Chromium (wasm-pack test)"
# The contributor's command (README, "Contributing"), so CI proves it works: the
# native-only test files compile to nothing for wasm32 through their crate-level cfg.
# The runner drives Chromium through CHROMEDRIVER, headless, with webdriver.json's flags.
VSS_TEST_SERVER_URL="$url" VSS_TEST_DEAD_URL="http://127.0.0.1:$dead_port" \
  CHROMEDRIVER=/usr/bin/chromedriver \
  wasm-pack --log-level warn test --headless --chrome

echo "== release build"
bash scripts/build-wasm.sh
cp -r pkg "$tmp/www/pkg"
cp tests/browser/smoke.html "$tmp/www/smoke.html"

echo "== release build in headless Chromium (playwright-core)"
node tests/browser/release_smoke.mjs "$url"
