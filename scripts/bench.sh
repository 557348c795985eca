#!/usr/bin/env bash
# The benchmark suite, one entry: builds (release) the local backend, its throughput
# example and the native core example, then runs bench/run.mjs, which measures every
# figure in one run (package size, enqueue cost, cold start, drain, getCallStats,
# backend throughput), prints one table (figure | measured | goal | ok?) and writes
# bench/results.json. BENCHMARKS.md says what each figure means and how it is measured.
#
# Needs: pkg/ built by scripts/build-wasm.sh (copied, never rebuilt here), Debian's
# chromium, and scripts/tools from scripts/setup.sh. Exit status is the runner's: non-zero
# when a measurement could not be made, not when a goal is missed (the table says NO).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
source scripts/env.sh

cargo build --release -p video-session-server --bin video-session-server --example throughput >&2
cargo build --release -p video-session-sdk --example enqueue_bench >&2

export VSS_SERVER_BIN="$root/target/release/video-session-server"
export VSS_THROUGHPUT_BIN="$root/target/release/examples/throughput"
export VSS_ENQUEUE_BENCH_BIN="$root/target/release/examples/enqueue_bench"
exec node bench/run.mjs
