#!/usr/bin/env bash
# README command 1: the whole platform on embedded defaults (no external engines needed).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
export NX_DAEMON=false NX_NO_CLOUD=true NX_TUI=false
bash tools/install.sh
npx nx run-many -t build --output-style=static
exec node tools/dev-platform/dist/main.js
