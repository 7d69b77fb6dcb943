# Kehou — the targets a developer runs; CI (.ci/run) calls the same ones.
GO       ?= go
TOOL     := $(GO) tool -modfile=tools/go.mod
GOFILES   = $(shell git ls-files '*.go' | grep -v '^proto/gen/')

.DEFAULT_GOAL := help

.PHONY: help
help: ## list the targets
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*## "} {printf "  %-16s %s\n", $$1, $$2}'

.PHONY: run
run: ## start the whole system with demo data (local PostgreSQL unless DATABASE_URL is set)
	scripts/run.sh

.PHONY: test
test: ## run every test against a throwaway PostgreSQL the script starts itself
	scripts/test.sh

.PHONY: build
build: ## build bin/kehou
	$(GO) build -o bin/kehou ./cmd/kehou

.PHONY: generate
generate: ## regenerate Go, gateway and OpenAPI code from proto/
	$(TOOL) buf generate

.PHONY: check-generated
check-generated: generate ## fail when committed generated code differs from the protos
	@git diff --exit-code -- proto/gen gateway/openapi || { echo "generated code is stale: run make generate and commit"; exit 1; }
	@test -z "$$(git status --porcelain -- proto/gen gateway/openapi)" || { git status --porcelain -- proto/gen gateway/openapi; echo "generated code is stale: run make generate and commit"; exit 1; }

.PHONY: lint
lint: ## buf lint and format, gofmt, go mod tidy, go vet, staticcheck
	$(TOOL) buf lint
	$(TOOL) buf format -d --exit-code --path proto/kehou
	@out=$$(gofmt -l $(GOFILES)); test -z "$$out" || { echo "gofmt needed:"; echo "$$out"; exit 1; }
	@$(GO) mod tidy -diff || { echo "go.mod/go.sum are not tidy: run go mod tidy and commit"; exit 1; }
	$(GO) vet ./...
	$(TOOL) staticcheck ./...

.PHONY: bench
bench: ## run the Go benchmarks once each
	$(GO) test -run '^$$' -bench . -benchmem -benchtime 3x ./...

STUDENTS ?= 10000
.PHONY: load
load: ## time a district fee run end to end over HTTP vs the COPY floor, on a throwaway PostgreSQL (STUDENTS=10000 SCHOOLS= LOAD_ARGS=)
	@set -eu; data=$$(mktemp -d /tmp/kehou-load-pg.XXXXXX); port=$$(scripts/pg.sh freeport); \
	trap 'scripts/pg.sh stop "$$data"; rm -rf "$$data" "$$data.initdb.log"' EXIT; \
	scripts/pg.sh start "$$data" "$$port"; \
	$(GO) run ./cmd/kehouload --start --database-url "postgres://postgres@127.0.0.1:$$port/postgres?sslmode=disable" \
		--students $(STUDENTS) $(if $(SCHOOLS),--schools $(SCHOOLS)) $(LOAD_ARGS)

READ_STUDENTS ?= 400
DURATION ?= 5s
.PHONY: load-read
load-read: ## drive the read routes (parent's statements, weekly plan, staffing grid, 5+2 report) at 16 and 64 concurrent beside their floors, on a throwaway PostgreSQL (READ_STUDENTS=400 DURATION=5s LOAD_ARGS=--no-authorization)
	@set -eu; data=$$(mktemp -d /tmp/kehou-load-pg.XXXXXX); port=$$(scripts/pg.sh freeport); \
	trap 'scripts/pg.sh stop "$$data"; rm -rf "$$data" "$$data.initdb.log"' EXIT; \
	scripts/pg.sh start "$$data" "$$port"; \
	$(GO) run ./cmd/kehouload reads --database-url "postgres://postgres@127.0.0.1:$$port/postgres?sslmode=disable" \
		--students $(READ_STUDENTS) --duration $(DURATION) $(LOAD_ARGS)

STAFF ?= 10000
RECON_SCHOOLS ?= 300
.PHONY: bench-pay
bench-pay: ## issue 13's speed figures on a throwaway PostgreSQL: a pay run of STAFF=10000 staff-months and a RECON_SCHOOLS=300 district term's reconciliation, each beside its floor, and the pay sheet export's peak heap at 21,000 and 210,000 rows
	@set -eu; data=$$(mktemp -d /tmp/kehou-bench-pg.XXXXXX); port=$$(scripts/pg.sh freeport); \
	trap 'scripts/pg.sh stop "$$data"; rm -rf "$$data" "$$data.initdb.log"' EXIT; \
	scripts/pg.sh start "$$data" "$$port"; uptime; \
	KEHOU_TEST_DATABASE_URL="postgres://postgres@127.0.0.1:$$port/postgres?sslmode=disable" KEHOU_REQUIRE_DB=1 \
	KEHOU_BENCH_STAFF=$(STAFF) KEHOU_BENCH_SCHOOLS=$(RECON_SCHOOLS) \
		$(GO) test -run '^$$' -bench 'PayRun|ReconcileDistrictTerm|PaySheetExport' -benchtime 1x -timeout 60m ./services/billing/app; \
	uptime

.PHONY: breaking
breaking: ## compare the protos with main for breaking changes (needs git history)
	$(TOOL) buf breaking --against '.git#branch=main'
