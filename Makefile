# Keelson's front door. `make run` and `make test` install what they need
# (on a Debian machine with Rust), so a fresh clone needs nothing else.

# Builds are slow on small machines: keep them outside the clone so CI and
# fresh clones reuse them.
export CARGO_TARGET_DIR ?= $(HOME)/.cache/keelson/target
CARGO ?= cargo
KEELSON := $(CARGO_TARGET_DIR)/debug/keelson

.PHONY: prune-target bench-ui run test setup-rust setup-test setup-ui setup-e2e ui e2e build fmt-check clippy wasm-check unit-tests lint-examples conformance

LISTEN ?= 127.0.0.1:2746
DATA_DIR ?= $(HOME)/.local/state/keelson
VENV ?= $(HOME)/.cache/keelson/venv
# The web UI: the WASM is built by cargo and bound by the wasm-bindgen CLI
# of exactly the version in Cargo.lock, installed once into a cache (not
# cargo-leptos: a half-hour install here). The site goes beside the debug
# binary, where `keelson server` looks for it.
TOOLS ?= $(HOME)/.cache/keelson/tools
WASM_BINDGEN := $(TOOLS)/bin/wasm-bindgen
WASM_BINDGEN_VERSION := $(shell sed -n '/^name = "wasm-bindgen"$$/{n;s/^version = "\(.*\)"$$/\1/p;}' Cargo.lock)
SITE := $(CARGO_TARGET_DIR)/debug/site

## Build, lint the examples, then serve: `keelson server` on embedded
## defaults (SQLite and data in ~/.local/state/keelson) with the examples'
## WorkflowTemplates loaded and the example Workflows submitted. The first
## start prints the administrator's one-time password (also kept in
## DATA_DIR/initial-admin-password until changed); `make run` signs the
## CLI in with it. Ctrl-C stops it gracefully.
run: setup-rust ui build
	@echo "== keelson lint examples/"
	@$(KEELSON) lint examples/
	@$(KEELSON) server --data-dir $(DATA_DIR) --templates examples/ --listen $(LISTEN) & pid=$$!; \
	trap 'kill -TERM $$pid 2>/dev/null; wait $$pid' INT TERM; \
	for i in $$(seq 100); do $(KEELSON) list --server http://$(LISTEN) 2>&1 | grep -q 'cannot reach' || break; sleep 0.2; done; \
	if [ -f $(DATA_DIR)/initial-admin-password ]; then \
		$(KEELSON) login --server http://$(LISTEN) -u admin --password-stdin < $(DATA_DIR)/initial-admin-password; \
	fi; \
	if $(KEELSON) list --server http://$(LISTEN) >/dev/null 2>&1; then \
		for f in examples/*.yaml; do \
			grep -q '^kind: Workflow$$' $$f && $(KEELSON) submit --server http://$(LISTEN) $$f -o name; \
		done; \
	else echo "(not signed in: run keelson login -u admin to submit the examples)"; fi; \
	echo; \
	echo "Keelson is serving on http://$(LISTEN) (Ctrl-C stops it): open it in a browser and sign in as admin."; \
	echo "In another terminal:"; \
	echo "  export PATH=$(CARGO_TARGET_DIR)/debug:\$$PATH KEELSON_SERVER=http://$(LISTEN)"; \
	echo "  keelson login -u admin   # password: $(DATA_DIR)/initial-admin-password until changed"; \
	echo "  keelson list                                   # the examples just submitted"; \
	echo "  keelson submit examples/ci-pipeline.yaml --watch"; \
	echo "  keelson submit --from workflowtemplate/parameterized-build -p image-tag=v2 --watch"; \
	echo "  keelson get NAME; keelson logs NAME -f; keelson retry NAME"; \
	echo; \
	wait $$pid

## The shared target directory outlives clones: cargo's incremental
## caches grow with every session, so past 16 GiB they are dropped (the
## next build is a little slower, the disk does not fill).
prune-target:
	@d=$(CARGO_TARGET_DIR)/debug/incremental; \
		if [ -d $$d ] && [ $$(du -sk $$d | cut -f1) -gt 16777216 ]; then \
			echo "prune-target: removing $$d"; rm -rf $$d; \
		fi

## Every check CI runs: formatting, clippy, the wasm32 build, all tests.
test: setup-rust setup-test fmt-check clippy wasm-check ui unit-tests e2e conformance lint-examples

setup-rust: prune-target
	@rustup target list --installed 2>/dev/null | grep -q '^wasm32-unknown-unknown$$' \
		|| rustup target add wasm32-unknown-unknown
	@rustup component list --installed 2>/dev/null | grep -q '^rustfmt' || rustup component add rustfmt
	@rustup component list --installed 2>/dev/null | grep -q '^clippy' || rustup component add clippy

# Argo's examples call `cowsay` (its old whalesay image); Debian has it.
setup-test:
	@command -v cowsay >/dev/null 2>&1 || test -x /usr/games/cowsay \
		|| (apt-get install -y cowsay >/dev/null 2>&1 || sudo apt-get install -y cowsay >/dev/null 2>&1) \
		|| echo "note: could not install cowsay; the conformance test will report conditionals.yaml"
	@# CronWorkflow time zones come from the system's tz database.
	@test -d /usr/share/zoneinfo/America \
		|| (apt-get install -y tzdata >/dev/null 2>&1 || sudo apt-get install -y tzdata >/dev/null 2>&1) \
		|| echo "note: could not install tzdata; the cron time zone tests will fail"
	@# Real Argo clients (Hera, the argo-workflows SDK) in a virtualenv.
	@command -v python3 >/dev/null 2>&1 && python3 -c 'import venv, ensurepip' >/dev/null 2>&1 \
		|| (apt-get install -y python3 python3-venv >/dev/null 2>&1 || sudo apt-get install -y python3 python3-venv >/dev/null 2>&1) \
		|| echo "note: could not install python3-venv; the Argo client test will fail"
	@test -x $(VENV)/bin/python || python3 -m venv $(VENV)
	@$(VENV)/bin/python -c 'import hera, argo_workflows, moto.server, boto3, flask_cors, azure.storage.blob' >/dev/null 2>&1 \
		|| $(VENV)/bin/pip install -q -r server/tests/clients/requirements.txt
	@# An Azure Blob Storage emulator (Azurite, from npm) for the artifact tests.
	@command -v npm >/dev/null 2>&1 \
		|| (apt-get install -y nodejs npm >/dev/null 2>&1 || sudo apt-get install -y nodejs npm >/dev/null 2>&1)
	@test -x server/tests/clients/node_modules/.bin/azurite-blob \
		|| (cd server/tests/clients && npm install --no-audit --no-fund --silent) \
		|| echo "note: could not install Azurite; the Azure artifact test will fail"
	@# The store's tests start a throwaway PostgreSQL cluster (initdb, pg_ctl).
	@command -v initdb >/dev/null 2>&1 || ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 \
		|| (apt-get install -y postgresql >/dev/null 2>&1 || sudo apt-get install -y postgresql >/dev/null 2>&1) \
		|| echo "note: could not install PostgreSQL; the store's PostgreSQL test will say it skipped"

build:
	$(CARGO) build -p server

# Browser tests: Debian's Chromium (never a downloaded browser) and
# playwright-core from npm, in end2end/.
setup-e2e:
	@test -x /usr/bin/chromium \
		|| (apt-get install -y chromium >/dev/null 2>&1 || sudo apt-get install -y chromium >/dev/null 2>&1) \
		|| echo "note: could not install chromium; the browser tests will fail"
	@command -v npm >/dev/null 2>&1 \
		|| (apt-get install -y nodejs npm >/dev/null 2>&1 || sudo apt-get install -y nodejs npm >/dev/null 2>&1)
	@test -d end2end/node_modules/playwright-core -a -d end2end/node_modules/axe-core \
		|| (cd end2end && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm install --no-audit --no-fund --silent)

## The UI in a real Chromium (end2end/): each test starts its own server.
e2e: setup-e2e ui build
	cd end2end && KEELSON=$(KEELSON) E2E_TMP=$(CARGO_TARGET_DIR) E2E_SCREENSHOTS=$(CARGO_TARGET_DIR)/e2e-screenshots npm test --silent

## The UI's performance in Chromium (a table for docs/performance.md):
## the release server, a 5,000-node workflow, live updates, a fast log.
bench-ui: setup-e2e ui
	$(CARGO) build --release -p server --bin keelson
	cd end2end && KEELSON=$(CARGO_TARGET_DIR)/release/keelson E2E_TMP=$(CARGO_TARGET_DIR) KEELSON_SITE_ROOT=$(SITE) node bench/ui.mjs

setup-ui:
	@$(WASM_BINDGEN) --version 2>/dev/null | grep -qx 'wasm-bindgen $(WASM_BINDGEN_VERSION)' \
		|| $(CARGO) install wasm-bindgen-cli --version $(WASM_BINDGEN_VERSION) --root $(TOOLS)

## The browser's side of the UI: WASM (size-optimised profile, without
## the function-name section: half the file, of no use to the browser),
## its JS glue, the stylesheet, gzipped twins; prints the gzip size.
ui: setup-rust setup-ui
	$(CARGO) build -p app --lib --target wasm32-unknown-unknown --profile wasm-release --features hydrate
	@mkdir -p $(SITE)/pkg
	$(WASM_BINDGEN) --target web --no-typescript --remove-name-section --remove-producers-section \
		--out-dir $(SITE)/pkg --out-name keelson \
		$(CARGO_TARGET_DIR)/wasm32-unknown-unknown/wasm-release/app.wasm
	$(CARGO) build -p lint-web --lib --target wasm32-unknown-unknown --profile wasm-release
	$(WASM_BINDGEN) --target web --no-typescript --remove-name-section --remove-producers-section \
		--out-dir $(SITE)/pkg --out-name keelson_lint \
		$(CARGO_TARGET_DIR)/wasm32-unknown-unknown/wasm-release/lint_web.wasm
	@cp style/main.css $(SITE)/pkg/keelson.css
	@cp -r public/. $(SITE)/ 2>/dev/null || true
	@gzip -9 -k -f $(SITE)/pkg/keelson_bg.wasm $(SITE)/pkg/keelson.js $(SITE)/pkg/keelson.css \
		$(SITE)/pkg/keelson_lint_bg.wasm $(SITE)/pkg/keelson_lint.js
	@echo "ui: $$(wc -c < $(SITE)/pkg/keelson_bg.wasm) bytes of WASM, $$(gzip -9 -c $(SITE)/pkg/keelson_bg.wasm | wc -c) gzipped"
	@echo "ui: the editor's lint: $$(wc -c < $(SITE)/pkg/keelson_lint_bg.wasm) bytes of WASM, $$(gzip -9 -c $(SITE)/pkg/keelson_lint_bg.wasm | wc -c) gzipped"


fmt-check:
	$(CARGO) fmt --all --check

# The UI's code behind its features too: the server's side and the
# browser's.
clippy:
	$(CARGO) clippy --workspace --all-targets -- -D warnings
	$(CARGO) clippy -p app --features ssr -- -D warnings
	$(CARGO) clippy -p app --target wasm32-unknown-unknown --features hydrate -- -D warnings

# The engine must stay free of IO so the browser can run it.
wasm-check:
	$(CARGO) build -p engine --target wasm32-unknown-unknown

# Argo's examples run in `conformance`, where their table is printed.
# The Argo client test must not skip here: setup-test installed them.
unit-tests: export KEELSON_REQUIRE_CLIENTS = 1
unit-tests: export KEELSON_PYTHON = $(VENV)/bin/python
unit-tests: export KEELSON_REQUIRE_UI = 1
unit-tests:
	@if $(CARGO) nextest --version >/dev/null 2>&1; then \
		$(CARGO) nextest run --workspace --no-fail-fast -E 'not test(/^argo_conformance::/)'; \
	else \
		$(CARGO) test --workspace --no-fail-fast -- --skip argo_conformance::; \
	fi

# Prints the table of how Argo's own examples fare (skips where
# ../shared/argo-examples is absent).
conformance:
	$(CARGO) test -q -p engine --test main lint_conformance -- --nocapture
	$(CARGO) test -q -p server --test main argo_conformance -- --nocapture

lint-examples: build
	$(KEELSON) lint --strict examples/
