# Consult: `make run` serves the demo; `make test` runs every test. `make help` lists the rest.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
VENDOR := static/vendor
export CONSULT_DATA_DIR ?= var

.PHONY: help install vendor run serve test lint format clean bench

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed -E 's/:.*## /\t/'

$(BIN)/consult: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[dev]"
	touch $@

node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund
	touch $@

# Only the icons listed in consult/icons.py, as one SVG sprite: the icon font is ~130 KB.
$(VENDOR)/.stamp: node_modules/.package-lock.json consult/icons.py
	rm -rf $(VENDOR)
	mkdir -p $(VENDOR)/bootstrap $(VENDOR)/htmx
	cp node_modules/bootstrap/dist/css/bootstrap.min.css $(VENDOR)/bootstrap/
	cp node_modules/htmx.org/dist/htmx.min.js $(VENDOR)/htmx/
	$(PYTHON) -m consult.icons node_modules/bootstrap-icons/icons $(VENDOR)/icons.svg
	touch $@

install: $(BIN)/consult vendor ## create .venv and install Python and front-end dependencies

vendor: $(VENDOR)/.stamp ## copy Bootstrap and htmx from npm into static/vendor, with a sprite of the icons used

run: install ## migrate the embedded database, load the demo and serve on http://127.0.0.1:8000
	$(BIN)/consult migrate
	$(BIN)/consult demo
	$(BIN)/consult serve

serve: install ## serve without loading the demo
	$(BIN)/consult serve

test: install ## run the whole suite (again on PostgreSQL when CONSULT_TEST_DATABASE_URL is set)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/pytest

lint: install ## check style
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install ## fix style
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

bench: install ## measure search, the response log and pages under load on SQLite and PostgreSQL (bench/results/)
	$(BIN)/python -m bench.search_bench
	$(BIN)/python -m bench.responses_bench
	@# The load benchmark drives the server with Debian's wrk; install it when it is missing.
	@command -v wrk >/dev/null 2>&1 || { echo "bench: installing Debian's wrk"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; } \
		|| echo "bench: no wrk; the load benchmark falls back to its Python client"
	$(BIN)/python -m bench.load_bench

clean: ## remove the virtualenv, front-end packages and local data
	rm -rf $(VENV) node_modules $(VENDOR) var

# --- translations -----------------------------------------------------------------------------

LOCALE := consult/locale
POT := $(LOCALE)/messages.pot

.PHONY: messages

messages: $(BIN)/consult ## extract translatable strings into consult/locale/messages.pot and update each language's messages.po
	$(BIN)/pybabel -q extract --mapping-file=babel.cfg --project=Consult \
		--header-comment="# Translations template for Consult." \
		--no-location --sort-output --output-file=$(POT).tmp .
	sed '/^"POT-Creation-Date: /d' $(POT).tmp > $(POT)
	rm $(POT).tmp
	$(BIN)/pybabel -q update --input-file=$(POT) --output-dir=$(LOCALE) \
		--no-fuzzy-matching --ignore-obsolete --ignore-pot-creation-date
