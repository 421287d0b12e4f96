# Identity platform charms — developer entry points. `make help` lists them.
SHELL := /bin/bash
GO ?= go
BUILD_DIR ?= build
CHARMS := $(patsubst %/charmcraft.yaml,%,$(wildcard charms/*/charmcraft.yaml))
FUZZTIME ?= 20s

.DEFAULT_GOAL := help

.PHONY: help
help: ## List the targets
	@awk 'BEGIN {FS = ":.*## "} /^[a-zA-Z_-]+:.*## / {printf "  %-10s %s\n", $$1, $$2}' $(MAKEFILE_LIST)

.PHONY: all
all: setup charms ## Set up this machine, then build and validate every charm into build/

.PHONY: setup
setup: ## Check the Go toolchain and download the modules
	@command -v $(GO) >/dev/null || { echo "setup: Go is not installed; install Go 1.26 (https://go.dev/doc/install)" >&2; exit 1; }
	@$(GO) version
	$(GO) mod download

.PHONY: workloads
workloads: ## Build/install the local runtime's workloads into .workloads/ (Pebble, Hydra, Kratos, Traefik, PostgreSQL)
	@GO="$(GO)" scripts/workloads.sh

.PHONY: charms
charms: ## Build build/<name>.charm for every charm and check them with Juju's own reader
	$(GO) run ./cmd/charmpack -o $(BUILD_DIR) $(CHARMS)
	$(GO) test -count=1 -run 'TestBuiltArchives|TestBundle' ./tests/packaging/

.PHONY: juju-local
juju-local: ## Build the local runtime's CLI and controller daemon into build/juju-local
	CGO_ENABLED=0 $(GO) build -trimpath -o $(BUILD_DIR)/juju-local ./cmd/juju-local

.PHONY: test
test: ## Run vet, the unit, harness, fuzz-seed and packaging tests
	@unformatted=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	  if [ -n "$$unformatted" ]; then echo "gofmt needed:" $$unformatted >&2; exit 1; fi
	$(GO) vet ./...
	$(GO) test -count=1 ./...

.PHONY: fuzz
fuzz: ## Run every fuzz target for FUZZTIME each (default 20s)
	@set -e; for pkg in $$($(GO) list ./...); do \
	  for f in $$($(GO) test -list '^Fuzz' $$pkg | grep '^Fuzz' || true); do \
	    echo "== $$pkg $$f"; $(GO) test -run '^$$' -fuzz "^$$f$$" -fuzztime $(FUZZTIME) $$pkg; \
	  done; done

.PHONY: bench
bench: ## Run the benchmarks and print a table
	@mkdir -p $(BUILD_DIR)
	$(GO) test -run '^$$' -bench . -benchmem ./... | tee $(BUILD_DIR)/bench.txt | \
	  awk '/^pkg:/ {pkg = $$2; sub(".*/", "", pkg)} \
	       /^Benchmark/ {line = sprintf("%-70s", pkg "." $$1); for (i = 3; i < NF; i += 2) line = line sprintf("  %12s %s", $$i, $$(i+1)); print line}'

.PHONY: clean
clean: ## Remove build outputs
	rm -rf $(BUILD_DIR)
