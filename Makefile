# maju developer commands. `make help` lists them; each one works on a fresh clone with only
# Python 3.11+ installed (it creates .venv itself) and is safe to run again.

.DEFAULT_GOAL := help
SHELL := /bin/bash

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
PIP := $(PY) -m pip --disable-pip-version-check
# The git-ignored local site folder ([site] dir in config.toml).
SITE_DIR ?= site
# `make run RUN_FLAGS=` serves without the code reloader.
RUN_FLAGS ?= --reload
# The suite is mostly waiting on the databases, so four workers beat two cores.
PYTEST_ARGS ?= -q -rs -n 4
CODE := maju apps tests

.PHONY: help install run test lint type bench clean fmt

help: ## List the targets
	@echo "maju: make <target>"
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*## "}; {printf "  %-8s %s\n", $$1, $$2}'

# The virtual environment; rebuilt whenever its interpreter is missing (a fresh clone, or a
# .venv whose Python went away).
$(PY):
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || \
		{ echo "make: maju needs Python 3.11 or newer as '$(PYTHON)' (set PYTHON=...)" >&2; exit 1; }
	@rm -rf $(VENV)
	$(PYTHON) -m venv $(VENV) || { rm -rf $(VENV); \
		echo "make: '$(PYTHON) -m venv' failed (Debian: apt-get install python3-venv)" >&2; exit 1; }

# One stamp per install flavour: reinstalled only when pyproject.toml changes.
$(VENV)/.installed-base: pyproject.toml | $(PY)
	$(PIP) install --quiet -e .
	@touch $@

$(VENV)/.installed-test: pyproject.toml | $(PY)
	$(PIP) install --quiet -e '.[test]'
	@touch $@

$(VENV)/.installed-dev: pyproject.toml | $(PY)
	$(PIP) install --quiet -e '.[dev]'
	@touch $@

install: $(VENV)/.installed-dev ## Create .venv and install maju (editable) with test and dev tools

run: $(VENV)/.installed-base ## Create the site if missing, print a new admin password once, serve on 127.0.0.1:8000
	$(BIN)/maju setup
	exec $(BIN)/maju serve $(RUN_FLAGS)

test: $(VENV)/.installed-test ## Run the whole suite, every database test on SQLite and PostgreSQL
	@$(PY) -m pytest $(PYTEST_ARGS); status=$$?; \
	if [ $$status -eq 5 ]; then echo "make test: pytest ran no tests, which counts as a failure" >&2; exit 1; fi; \
	exit $$status

lint: $(VENV)/.installed-dev ## ruff check, ruff format --check and the import contracts
	$(BIN)/ruff check $(CODE)
	$(BIN)/ruff format --check $(CODE)
	$(BIN)/lint-imports --no-logo --no-cache

fmt: $(VENV)/.installed-dev ## Format the code and apply ruff's safe fixes
	$(BIN)/ruff format $(CODE)
	$(BIN)/ruff check --fix $(CODE)

type: $(VENV)/.installed-dev ## mypy --strict on maju and apps
	$(BIN)/mypy maju apps

bench: $(VENV)/.installed-base ## Run the benchmarks (bench/run.py) and print their figures
	$(PY) bench/run.py

clean: ## Remove .venv, caches, build/, dist/ and the local site folder
	rm -rf $(VENV) build dist *.egg-info .pytest_cache .mypy_cache .ruff_cache .import_linter_cache .hypothesis $(SITE_DIR)
	find . -path ./.git -prune -o -type d -name __pycache__ -prune -exec rm -rf {} +
