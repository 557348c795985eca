#!/usr/bin/env bash
# Builds the React Native entry, pkg/react-native.js: the same Rust core as the
# .wasm, compiled for the features binaryen's wasm2js can translate to JavaScript
# (Hermes has no WebAssembly and will not get one). scripts/build-wasm.sh runs it
# after wasm-pack; scripts/package.mjs then wires the entry into the package's
# `react-native` condition and field.
#
# Why this route and not patches of generated files:
# - `-C target-cpu=mvp` keeps rustc from emitting what wasm2js refuses: saturating
#   float->int casts (it then emits exact compare-and-branch code), multi-value
#   returns, reference types. The prebuilt std was compiled with those features
#   and LLVM writes their union into the `target_features` section, so the section
#   is stripped: wasm-bindgen then sees a module without reference types or
#   multi-value (which it is) and emits no externref table and no tuple returns.
# - wasm-opt and wasm2js are told exactly which post-MVP features are allowed
#   (bulk memory and sign extension, which wasm2js translates); anything else in
#   the module fails validation here, at build time, instead of misbehaving later.
# - The `fixed-heap` feature gives the core a heap that never grows: wasm2js grows
#   memory by replacing its ArrayBuffer without detaching the old one, which
#   wasm-bindgen's cached memory views cannot notice (and it reports a refused
#   growth as a success). See src/wasm/mod.rs.
# - wasm-bindgen's `no-modules` output is a plain script (no import.meta, no fetch
#   when initSync is used), which scripts/build-rn.mjs wraps in a function scope.
#
# The build uses its own target dir (target/rn) so it never invalidates the main
# build's cache. wasm-opt/wasm2js must be npm's binaryen from scripts/tools, never Debian's.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
source scripts/env.sh

for tool in wasm-opt wasm2js; do
  path=$(command -v "$tool" || true)
  case "$path" in
    "$root"/scripts/tools/*) ;;
    *) echo "build-rn: $tool must come from scripts/tools (got '${path:-none}'); run scripts/setup.sh" >&2; exit 1 ;;
  esac
done

out=target/rn/out
mkdir -p "$out"
features=(--enable-bulk-memory --enable-bulk-memory-opt --enable-sign-ext --enable-mutable-globals)

# Optimised for speed, not size (the web build is -Oz): here the core runs in
# Hermes' interpreter, where -O3 halved enqueue (p50 2 -> 1 ms) and reading a stored
# queue, for ≈100 KB more gzip in a bundle that ships inside the app, not over the
# network (BENCHMARKS.md has both).
RUSTFLAGS="-C target-cpu=mvp" CARGO_TARGET_DIR=target/rn CARGO_PROFILE_RELEASE_OPT_LEVEL=3 \
  cargo build -q --release --lib --target wasm32-unknown-unknown --features fixed-heap
wasm-opt --strip-target-features target/rn/wasm32-unknown-unknown/release/video_session_sdk.wasm -o "$out/stripped.new.wasm"
# wasm-opt and wasm2js take about a minute on this machine: skip them when the core
# did not change since the last build.
if [ -f "$out/core.js" ] && cmp -s "$out/stripped.new.wasm" "$out/stripped.wasm"; then
  echo "build-rn: core unchanged, reusing $out/core.js" >&2
else
  rm -f "$out/core.js"
  mv "$out/stripped.new.wasm" "$out/stripped.wasm"
  wasm-bindgen --target no-modules --no-typescript --omit-default-module-path \
    --out-dir "$out/bindgen" --out-name video_session_sdk "$out/stripped.wasm"
  wasm-opt "${features[@]}" -O3 --low-memory-unused "$out/bindgen/video_session_sdk_bg.wasm" -o "$out/core.wasm"
  wasm2js "${features[@]}" --emscripten -O "$out/core.wasm" -o "$out/core.js"
fi
rm -f "$out/stripped.new.wasm"

mkdir -p pkg
node scripts/build-rn.mjs "$out/core.js" "$out/bindgen/video_session_sdk.js" pkg/react-native.js
size() { gzip -9 -c "$1" | wc -c; }
printf 'react-native entry %s bytes raw, %s bytes gzip -9\n' "$(wc -c <pkg/react-native.js)" "$(size pkg/react-native.js)"
