# Sourced by the scripts: puts the pinned tools first on PATH. wasm-pack uses the
# first wasm-opt it finds, and it must be npm's binaryen 132, never Debian's 108.
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
export PATH="$root/scripts/tools/node_modules/.bin:$HOME/.cargo/bin:$PATH"
export CHROMEDRIVER=/usr/bin/chromedriver
