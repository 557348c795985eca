#!/usr/bin/env bash
# The full fault-injection run: 20 devices x 500 calls each, through the fault proxy,
# against a release build of the local backend (tests/fault_injection.rs with a larger
# size; the quick 4 x 60 version runs in `cargo test`). Prints the seed, the fault
# schedule's counts, crashes, deliveries and elapsed time; exits non-zero on any
# difference between the server's state and the oracle.
#
#   bash scripts/fault-run.sh                      # new seed
#   VSS_FAULT_SEED=1234 bash scripts/fault-run.sh  # replay a seed
#   VSS_FAULT_CLIENTS=8 VSS_FAULT_OPS=100 bash scripts/fault-run.sh
#
# Release build, but without the size-tuned profile's fat LTO (minutes of linking that
# buy nothing for a test); the server package is opt-level 3 either way.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
source scripts/env.sh

export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-target-fault}
case "$CARGO_TARGET_DIR" in /*) ;; *) CARGO_TARGET_DIR="$root/$CARGO_TARGET_DIR" ;; esac
export CARGO_PROFILE_RELEASE_LTO=false
export CARGO_PROFILE_RELEASE_CODEGEN_UNITS=16
export CARGO_PROFILE_RELEASE_OPT_LEVEL=3

started=$(date +%s)
cargo build --release -p video-session-server
cargo test --release --test fault_injection --no-run
built=$(date +%s)

export VSS_SERVER_BIN="$CARGO_TARGET_DIR/release/video-session-server"
export VSS_FAULT_CLIENTS=${VSS_FAULT_CLIENTS:-20}
export VSS_FAULT_OPS=${VSS_FAULT_OPS:-500}
export VSS_FAULT_TIMEOUT_SECS=${VSS_FAULT_TIMEOUT_SECS:-600}
# A hard stop beyond the run's own deadline, in case something hangs outside it.
hard_limit=$((VSS_FAULT_TIMEOUT_SECS + 120))
set +e
timeout --kill-after=10 "$hard_limit" \
  cargo test --release --test fault_injection -- --exact \
  faults_and_crashes_lose_nothing_and_apply_nothing_twice --nocapture
rc=$?
set -e
if [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; then
  echo "fault-run: FAILED: killed after the hard limit of ${hard_limit} s" >&2
fi
echo "fault-run: build $((built - started)) s, run $(( $(date +%s) - built )) s, rc=$rc"
exit "$rc"
