# Partnership Check. `make run` serves the app with demo data and the background worker;
# `make test` runs every test.
# Each target installs what it needs first (system packages, .venv, translations) and
# reinstalls nothing that is already up to date.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PO := $(wildcard assessment/translations/*/LC_MESSAGES/messages.po)
MO := $(PO:.po=.mo)
# The OpenID provider the single sign-on tests start (tests/oidc/, npm package oidc-provider).
OIDC_STAMP := tests/oidc/node_modules/.installed
HOST ?= 127.0.0.1
PORT ?= 5000

.PHONY: run serve test test-fast lint format install system-deps-run system-deps-test translations clean

# The server and the background worker (mail, reminders, due dates) in one command;
# Ctrl+C stops both. With no mail server configured, mail stays in the local outbox.
run: system-deps-run install
	@$(BIN)/assessment init-db
	@$(BIN)/assessment demo
	@echo "Partnership Check is running at http://$(HOST):$(PORT)/ (Ctrl+C stops it)"
	@$(BIN)/assessment serve --host $(HOST) --port $(PORT) --with-worker

serve: system-deps-run install
	@$(BIN)/assessment init-db
	$(BIN)/assessment serve --host $(HOST) --port $(PORT)

test: system-deps-test install $(OIDC_STAMP)
	$(BIN)/python -m pytest

# The fast tier for daily work: no browser, PDF render, real server or benchmark, on every
# core (tests/conftest.py marks the rest "slow"; `make test` runs everything). Compiled
# modules and pytest's rewritten tests are kept under .venv/pycache, even where
# PYTHONDONTWRITEBYTECODE is set: otherwise each worker compiles them all again on every
# run (about 6 s of CPU each).
test-fast: install
	env -u PYTHONDONTWRITEBYTECODE PYTHONPYCACHEPREFIX="$(CURDIR)/$(VENV)/pycache" \
		$(BIN)/python -m pytest -m "not slow" -n auto -q

# Python with ruff; the templates with djLint's linter ([tool.djlint] in pyproject.toml, and
# .djlint_rules.yaml: no line over 200 characters), the mails' plain-text bodies included.
# Templates are never reformatted by a tool: that would change what they render.
lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/djlint templates --lint
	$(BIN)/djlint $(sort $(shell find templates -name '*.txt')) --lint

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

install: $(STAMP) $(MO)

system-deps-run:
	@PYTHON=$(PYTHON) scripts/install-system-deps.sh run

system-deps-test:
	@PYTHON=$(PYTHON) scripts/install-system-deps.sh test

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[test,dev,load]"
	@touch $@

# Installed again when package-lock.json changes; the tests then run offline.
$(OIDC_STAMP): tests/oidc/package-lock.json
	npm ci --prefix tests/oidc --no-audit --no-fund
	@touch $@

%.mo: %.po $(STAMP)
	$(BIN)/pybabel compile --statistics -i $< -o $@

translations: install
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext -o assessment/translations/messages.pot .
	$(BIN)/pybabel update -i assessment/translations/messages.pot -d assessment/translations --width 100

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .hypothesis $(MO) tests/oidc/node_modules
