# Two set-up commands for users: `make run` and `make test`. Everything else is for developers.
SHELL := /bin/bash
NPM_STAMP := node_modules/.package-lock.json
TESTS ?= $(shell find tests -name '*.test.ts' -not -path '*/node_modules/*' 2>/dev/null | sort)

.PHONY: all build run test test-as test-node deps system-deps bench fuzz soak long-stream compare clean abi-check

all: build

$(NPM_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund
	@touch $@

deps: $(NPM_STAMP)

# redis-server (cluster-mode rate limits) and prometheus (metrics scrape test) come from Debian.
SYSTEM_PKGS := redis-server prometheus
system-deps:
	@missing=""; for p in $(SYSTEM_PKGS); do command -v $$p >/dev/null || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then echo "installing$$missing"; apt-get update -qq && \
	    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
	  else echo "missing:$$missing - run: sudo apt-get install$$missing"; exit 1; fi; fi

build: deps
	node scripts/build.mjs

run: build
	npx tsx host/runner/main.ts -c envoy/envoy.yaml --mock

test: deps system-deps build test-as test-node

test-as: deps
	npx asp --config as-pect.config.js

test-node: deps
	node --import tsx --test --test-concurrency=1 $(TESTS)

abi-check: build
	node scripts/abi-check.mjs

bench: build
	npx tsx bench/main.ts

# The full seeded fuzz run (a short subset runs in `make test` as tests/fuzz/*.test.ts).
fuzz: build
	npx tsx tests/fuzz/main.ts --full

soak: build
	npx tsx bench/soak.ts

# One 1,000,000-event SSE response through ai-statistics (memory flat, token counts exact).
long-stream: build
	npx tsx bench/long-stream.ts

# Side by side with Portkey's gateway; installs its own dependencies under bench/compare/.
compare: build
	bash bench/compare/run.sh

clean:
	rm -rf dist build
