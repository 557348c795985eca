#!/usr/bin/env bash
# The long browser crash run: 100 trials (or $1) of workload pages killed or reloaded at
# random moments in Debian's Chromium against the local backend, plus a four-tab kill;
# prints trials, kills, reloads, calls journaled, ops on the backend, duplicates found
# and elapsed time, and exits non-zero if any resolved op is missing or applied twice.
# Needs target/debug/video-session-server (or VSS_SERVER_BIN) and a built pkg/.
# VSS_CRASH_SEED=<n> replays the driver's choices of a previous run.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -f scripts/env.sh ] && source scripts/env.sh
exec node tests/crash/run.mjs "${1:-100}"
