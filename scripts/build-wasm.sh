#!/usr/bin/env bash
# Builds the release WebAssembly package into pkg/ and prints its gzip -9 size
# (the .wasm plus the JS glue: what a page downloads).
#
# Target `web`: an ES module whose default export `init()` fetches the .wasm next to
# it via `new URL(..., import.meta.url)`. It runs as is in browsers (no bundler), and
# Vite, webpack 5, Rollup and esbuild all understand that URL pattern. `bundler`
# would need a bundler with WebAssembly-ESM integration and could not be loaded by a
# plain <script type="module"> (our demo and the release smoke test do exactly that).
#
# wasm-opt is npm's binaryen from scripts/tools (scripts/env.sh puts it first on PATH);
# Debian's binaryen 108 emits broken wasm for this build and must never be used.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
source scripts/env.sh

opt=$(command -v wasm-opt || true)
case "$opt" in
  "$root"/scripts/tools/*) ;;
  *) echo "build-wasm: wasm-opt must come from scripts/tools (got '${opt:-none}'); run scripts/setup.sh" >&2; exit 1 ;;
esac

wasm-pack build --release --target web --out-dir pkg --out-name video_session_sdk "$@" >&2

wasm=pkg/video_session_sdk_bg.wasm
js=pkg/video_session_sdk.js
size() { gzip -9 -c "$1" | wc -c; }
w=$(size "$wasm"); j=$(size "$js")
printf 'wasm %s bytes raw, %s bytes gzip -9\n' "$(wc -c <"$wasm")" "$w"
printf 'js glue %s bytes raw, %s bytes gzip -9\n' "$(wc -c <"$js")" "$j"
printf 'total gzip -9: %s bytes (%.1f KB)\n' "$((w + j))" "$(echo "($w + $j) / 1024" | bc -l)"

# The React Native entry (pkg/react-native.js): the same core translated to JavaScript.
bash scripts/build-rn.sh

# Turn wasm-pack's output into the npm package (exports, ./react, the Node and React
# Native entries).
node scripts/package.mjs >&2
