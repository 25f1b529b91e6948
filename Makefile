# Keelson's front door. `make run` and `make test` install what they need
# (on a Debian machine with Rust), so a fresh clone needs nothing else.

# Builds are slow on small machines: keep them outside the clone so CI and
# fresh clones reuse them.
export CARGO_TARGET_DIR ?= $(HOME)/.cache/keelson/target
CARGO ?= cargo
KEELSON := $(CARGO_TARGET_DIR)/debug/keelson

.PHONY: run test setup-rust setup-test build fmt-check clippy wasm-check unit-tests lint-examples conformance

## Build, then lint and run each example workflow here, each task a local
## process (the server and web UI arrive with the next issues).
run: setup-rust build
	@echo "== keelson lint examples/"
	@$(KEELSON) lint examples/
	@for f in examples/*.yaml; do \
		echo; echo "== keelson run $$f"; \
		$(KEELSON) run $$f || echo "(ended with exit code $$? — some examples fail on purpose)"; \
	done
	@echo
	@echo "Run your own: $(KEELSON) run FILE [-p name=value ...]   (lint: $(KEELSON) lint FILE|DIR)"

## Every check CI runs: formatting, clippy, the wasm32 build, all tests.
test: setup-rust setup-test fmt-check clippy wasm-check unit-tests conformance lint-examples

setup-rust:
	@rustup target list --installed 2>/dev/null | grep -q '^wasm32-unknown-unknown$$' \
		|| rustup target add wasm32-unknown-unknown
	@rustup component list --installed 2>/dev/null | grep -q '^rustfmt' || rustup component add rustfmt
	@rustup component list --installed 2>/dev/null | grep -q '^clippy' || rustup component add clippy

# Argo's examples call `cowsay` (its old whalesay image); Debian has it.
setup-test:
	@command -v cowsay >/dev/null 2>&1 || test -x /usr/games/cowsay \
		|| (apt-get install -y cowsay >/dev/null 2>&1 || sudo apt-get install -y cowsay >/dev/null 2>&1) \
		|| echo "note: could not install cowsay; the conformance test will report conditionals.yaml"
	@# The store's tests start a throwaway PostgreSQL cluster (initdb, pg_ctl).
	@command -v initdb >/dev/null 2>&1 || ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 \
		|| (apt-get install -y postgresql >/dev/null 2>&1 || sudo apt-get install -y postgresql >/dev/null 2>&1) \
		|| echo "note: could not install PostgreSQL; the store's PostgreSQL test will say it skipped"

build:
	$(CARGO) build -p server

fmt-check:
	$(CARGO) fmt --all --check

clippy:
	$(CARGO) clippy --workspace --all-targets -- -D warnings

# The engine must stay free of IO so the browser can run it.
wasm-check:
	$(CARGO) build -p engine --target wasm32-unknown-unknown

# Argo's examples run in `conformance`, where their table is printed.
unit-tests:
	@if $(CARGO) nextest --version >/dev/null 2>&1; then \
		$(CARGO) nextest run --workspace --no-fail-fast -E 'not binary(argo_conformance)'; \
	else \
		$(CARGO) test --workspace --no-fail-fast -- --skip argo_examples_end_as_argo_says; \
	fi

# Prints the table of how Argo's own examples fare (skips where
# ../shared/argo-examples is absent).
conformance:
	$(CARGO) test -q -p engine --test lint_conformance -- --nocapture
	$(CARGO) test -q -p server --test argo_conformance -- --nocapture

lint-examples: build
	$(KEELSON) lint --strict examples/
