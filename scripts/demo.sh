#!/usr/bin/env bash
# Runs the demo on the local backend: builds the server, then serves the API and
# the demo page on http://127.0.0.1:${PORT:-3210} with data kept in ./data/.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
bash scripts/setup.sh
source scripts/env.sh
port=${PORT:-3210}
bash scripts/build-wasm.sh
rm -rf www/pkg && cp -r pkg www/pkg   # the page imports ./pkg/video_session_sdk.js
node scripts/vendor-charts.mjs www   # Chart.js + its heat-map plug-in from scripts/tools into www/vendor/
cargo build -q --release -p video-session-server
echo "demo: open http://127.0.0.1:$port/  (Ctrl-C stops it)"
exec target/release/video-session-server --port "$port" --db data/video-sessions.sqlite3 --www www
