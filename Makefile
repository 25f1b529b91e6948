# Keelson's front door. `make run` and `make test` install what they need
# (on a Debian machine with Rust), so a fresh clone needs nothing else.

# Builds are slow on small machines: keep them outside the clone so CI and
# fresh clones reuse them.
export CARGO_TARGET_DIR ?= $(HOME)/.cache/keelson/target
CARGO ?= cargo
KEELSON := $(CARGO_TARGET_DIR)/debug/keelson

.PHONY: run test setup-rust build fmt-check clippy wasm-check unit-tests lint-examples conformance

## Build and lint the example workflows (execution lands with issue 3).
run: setup-rust build
	@echo "== keelson lint examples/"
	@$(KEELSON) lint examples/
	@echo
	@echo "Keelson can lint workflows today: $(KEELSON) lint FILE|DIR ..."
	@echo "(running them locally and the web UI arrive with the next issues)"

## Every check CI runs: formatting, clippy, the wasm32 build, all tests.
test: setup-rust fmt-check clippy wasm-check unit-tests conformance lint-examples

setup-rust:
	@rustup target list --installed 2>/dev/null | grep -q '^wasm32-unknown-unknown$$' \
		|| rustup target add wasm32-unknown-unknown
	@rustup component list --installed 2>/dev/null | grep -q '^rustfmt' || rustup component add rustfmt
	@rustup component list --installed 2>/dev/null | grep -q '^clippy' || rustup component add clippy

build:
	$(CARGO) build -p server

fmt-check:
	$(CARGO) fmt --all --check

clippy:
	$(CARGO) clippy --workspace --all-targets -- -D warnings

# The engine must stay free of IO so the browser can run it.
wasm-check:
	$(CARGO) build -p engine --target wasm32-unknown-unknown

unit-tests:
	@if $(CARGO) nextest --version >/dev/null 2>&1; then \
		$(CARGO) nextest run --workspace --no-fail-fast; \
	else \
		$(CARGO) test --workspace --no-fail-fast; \
	fi

# Prints the table of how Argo's own examples fare (skips where
# ../shared/argo-examples is absent).
conformance:
	$(CARGO) test -q -p engine --test lint_conformance -- --nocapture

lint-examples: build
	$(KEELSON) lint --strict examples/
