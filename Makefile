# Coffer developer tasks. `make help` lists them.
SHELL := /bin/bash
.DEFAULT_GOAL := help
export NX_DAEMON ?= false
export NX_NO_CLOUD ?= true
export NX_TUI ?= false

.PHONY: help dev test bench harden install build check lint typecheck codegen codegen-check migrate certs engines-up engines-down engines-status integration clean

help: ## List the tasks
	@grep -hE '^[a-zA-Z_-]+:.*?## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*?## "}; {printf "  make %-16s %s\n", $$1, $$2}'

dev: ## README command 1: install, build and run the whole platform on embedded defaults
	@bash tools/dev.sh

test: ## README command 2: install, start the real engines, run every check and test
	@bash tools/test.sh

bench: install ## Benchmarks on the real engines against their baselines; writes docs/benchmarks.md (BENCH_ARGS='--quick' or '--only 1,2')
	tools/engines/engines.sh up
	npx nx run-many -t build
	node tools/bench/dist/main.js $(BENCH_ARGS)

harden: install ## Hardening, long part, on the real engines: contract fuzzing, fault injection, 10-min load; writes docs/security/ (HARDEN_ARGS='--only fuzz,faults,load')
	tools/engines/engines.sh up
	npx nx run-many -t build
	node tools/hardening/dist/main.js $(HARDEN_ARGS)

install: ## Install npm dependencies exactly as locked
	@bash tools/install.sh

build: install ## Build every project
	npx nx run-many -t build

check: install ## Lint, typecheck, unit tests and contract checks (no engines needed)
	npx nx run-many -t codegen:check lint typecheck test

lint: install ## Lint every project (type-aware ESLint)
	npx nx run-many -t lint

typecheck: install ## Typecheck every project
	npx nx run-many -t typecheck

codegen: install ## Regenerate code from proto/ and openapi/, and the Python and Go clients (commit the result)
	npx nx run contracts:codegen
	node tools/codegen/clients.mjs

codegen-check: install ## Fail when generated code drifts from the contracts
	npx nx run contracts:codegen:check
	node tools/codegen/clients.mjs --check

# make migrate SERVICE=user DIRECTION=up|down|status [STEPS=1]; COFFER_DATABASE_URL picks the
# database (default: the service's make dev PGlite folder under .coffer/data).
SERVICE ?=
DIRECTION ?= status
STEPS ?= 1
migrate: build ## Migrate one service's schema: SERVICE=auth|user|metadata|policy|webhook|file|audit|audit-store DIRECTION=up|down|status [STEPS=1]
	@test -n "$(SERVICE)" || { echo "make migrate: set SERVICE (auth, user, metadata, policy, webhook, file, audit, audit-store)"; exit 2; }
	node tools/migrate/migrate.mjs $(SERVICE) $(DIRECTION) $(if $(filter down,$(DIRECTION)),--steps $(STEPS))

certs: install ## Create development mTLS certificates in .coffer/certs
	npx nx run dev-platform:build && node tools/dev-platform/dist/certs-main.js

engines-up: ## Install (if needed) and start PostgreSQL, Redis, Kafka, MinIO and ClickHouse on loopback
	@tools/engines/engines.sh up

engines-down: ## Stop the engines
	@tools/engines/engines.sh down

engines-status: ## Show which engines answer
	@tools/engines/engines.sh status

integration: install engines-up ## Integration, smoke and end-to-end tests against the real engines
	npx nx run-many -t integration --parallel=1

clean: ## Remove build output and Nx cache (keeps engine data)
	rm -rf apps/*/dist libs/*/dist tools/*/dist sdk/*/dist .nx/cache
