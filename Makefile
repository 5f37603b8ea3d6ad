# MOps Portal. `make run` serves the portal; `make test` runs lint, types and the test suite.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
PYTEST_ARGS ?=

.PHONY: run test lint typecheck pytest messages lock worker beat clean bench

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade "pip>=24"

# Each lock is installed once; the stamp is refreshed only when the lock changes.
$(VENV)/.runtime: requirements.lock | $(BIN)/python
	$(BIN)/pip install --quiet --require-hashes --no-deps -r requirements.lock
	touch $@

$(VENV)/.dev: requirements-dev.lock | $(BIN)/python
	$(BIN)/pip install --quiet --require-hashes --no-deps -r requirements-dev.lock
	touch $@ $(VENV)/.runtime

run: $(VENV)/.runtime
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py seed_demo
	@echo "Serving MOps Portal on http://$(HOST):$(PORT)/ (Ctrl-C stops it)"
	@trap 'kill $$scheduler 2>/dev/null' EXIT; \
	$(BIN)/python manage.py run_scheduler & scheduler=$$!; \
	$(BIN)/python manage.py runserver $(HOST):$(PORT)

test: $(VENV)/.dev lint typecheck pytest

lint: $(VENV)/.dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(VENV)/.dev
	$(BIN)/mypy mops operations governance analytics bench

pytest: $(VENV)/.dev
	$(BIN)/pytest $(PYTEST_ARGS)

# Benchmarks against the PostgreSQL named by DATABASE_URL (in a database of their own, <name>_bench);
# `make bench QUICK=1` runs the small sizes CI uses. See BENCHMARKS.md.
bench: $(VENV)/.dev
	$(BIN)/python -m bench.run $(if $(QUICK),--quick)

# Rebuild the ja catalogue after changing user-facing strings (needs GNU gettext's xgettext).
messages: $(VENV)/.dev
	$(BIN)/python manage.py makemessages --locale ja --no-obsolete --ignore '.venv/*' --ignore 'staticfiles/*'
	$(BIN)/pybabel compile --domain django --directory locale --locale ja --statistics

# Re-pin the dependencies from pyproject.toml (needs uv).
lock:
	uv pip compile pyproject.toml --python-version 3.11 --generate-hashes --no-header -o requirements.lock
	uv pip compile pyproject.toml --extra dev --python-version 3.11 --generate-hashes --no-header -o requirements-dev.lock

worker: $(VENV)/.runtime
	$(BIN)/celery -A mops worker --loglevel INFO

beat: $(VENV)/.runtime
	$(BIN)/celery -A mops beat --loglevel INFO

clean:
	rm -rf $(VENV) staticfiles .pytest_cache .mypy_cache .ruff_cache
