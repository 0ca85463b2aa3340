# Reciprocal: `make demo` to run it, `make test` to test it, `make help` for the rest.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3
UV_VERSION := 0.13.9
TOOLS := .tools
UV := $(TOOLS)/bin/uv
VENV := .venv
BIN := $(VENV)/bin
PYTEST_ARGS ?=
BENCH_ARGS ?=
BENCH_SCALE ?= $(if $(findstring --quick,$(BENCH_ARGS)),0.05,1)

.PHONY: help install demo serve migrate tenants test test-fast check lint format typecheck assets bench loadgen clean image image-pgbouncer

help: ## List the targets
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

$(UV):
	$(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/pip install --quiet --disable-pip-version-check 'uv==$(UV_VERSION)'

$(VENV)/.installed: $(UV) pyproject.toml uv.lock
	$(UV) sync --locked --python $(PYTHON)
	@touch $@

install: $(VENV)/.installed ## Create .venv with every dependency, exactly as uv.lock pins them

demo: install ## Run the service with the demo schemes on an embedded PostgreSQL (PORT to change)
	$(BIN)/reciprocal demo

serve: install ## Run the service (DATABASE_URL, or the embedded PostgreSQL when unset)
	$(BIN)/reciprocal serve

migrate: install ## Bring the database schema up to date
	$(BIN)/reciprocal migrate

tenants: install ## Load (create or update) every scheme under tenants/
	$(BIN)/reciprocal tenant load tenants/*/

test: install ## Run every test (browser tests skip without Chromium unless REQUIRE_BROWSER=1)
	$(BIN)/python -m pytest $(PYTEST_ARGS)

test-fast: install ## Run the tests without the browser
	$(BIN)/python -m pytest -m "not browser" $(PYTEST_ARGS)

lint: install ## ruff: lint and formatting
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install ## Apply ruff's fixes and formatting
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

typecheck: install ## mypy, strict, on the reciprocal package
	$(BIN)/mypy

check: lint typecheck test ## Lint, types and every test: keep it green

image: ## Build the service's image with podman (IMAGE=reciprocal:latest; makes its Debian base when absent)
	infra/image/build

image-pgbouncer: ## Build PgBouncer's image for infra/kubernetes (IMAGE=reciprocal-pgbouncer:latest)
	infra/image/build pgbouncer

assets: ## Refresh the vendored GOV.UK Frontend and htmx from web/package-lock.json (needs npm)
	bash web/build-assets.sh

bench: install loadgen ## Issue 11's instrument at goal scale: pages beside the raw limit, jobs, search, a report (~1 h; BENCH_ARGS=--quick)
	$(BIN)/python bench/run.py $(BENCH_ARGS)
	$(BIN)/python bench/jobs.py
	$(BIN)/python bench/find.py --scale $(BENCH_SCALE)
	$(BIN)/python bench/reports.py --scale $(BENCH_SCALE)

loadgen: ## Build the open-loop load generator wrk2 from source into .tools/wrk2 (WRK2_SOURCE=a local copy offline)
	bash bench/wrk2.sh

clean: ## Remove the virtualenv, tool cache and local databases
	rm -rf $(VENV) $(TOOLS) var .pytest_cache .mypy_cache .ruff_cache
