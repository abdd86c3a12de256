#!/usr/bin/env bash
# Installs the npm dependencies exactly as locked, only when package-lock.json changed since the
# last install. No install scripts run (see allowScripts in package.json).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
stamp="node_modules/.coffer-install-stamp"
want="$(sha256sum package-lock.json | cut -d' ' -f1)"
if [[ -f "$stamp" && "$(cat "$stamp")" == "$want" ]]; then
  exit 0
fi
echo "install: npm ci (package-lock.json changed or first run)"
npm ci --no-audit --no-fund
echo "$want" > "$stamp"
