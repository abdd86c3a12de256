#!/usr/bin/env bash
# README command 2: every test. Installs dependencies, starts the real engines (PostgreSQL,
# Redis, Kafka, MinIO, ClickHouse) with the project's own scripts, then runs contract checks,
# lint, typecheck, unit tests, build, and the integration/smoke/end-to-end tests.
# A missing engine fails the run; nothing is skipped.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
export NX_DAEMON=false NX_NO_CLOUD=true NX_TUI=false
started=$(date +%s)
step() { echo; echo "==> $* (+$(( $(date +%s) - started ))s)"; }

step "install npm dependencies"
bash tools/install.sh

step "start the real engines"
tools/engines/engines.sh up
set -a
# shellcheck disable=SC1091
source .coffer/engines/env
set +a

step "contracts: lint, breaking changes, generated-code drift"
npx nx run contracts:lint-contracts --output-style=static
npx nx run contracts:codegen:check --output-style=static
npx nx run-many -t codegen:check -p sdk-python sdk-go --output-style=static

step "lint, typecheck, unit tests, build"
npx nx run-many -t lint typecheck test build --output-style=static

step "integration, engine smoke and end-to-end tests (real engines)"
npx nx run-many -t integration --parallel=1 --output-style=static

step "all tests passed"
