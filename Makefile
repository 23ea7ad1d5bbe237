# Set-up, run and test commands; `make run` and `make test` do all the set-up on a fresh machine.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 5000
export FLASK_APP := wsgi

.PHONY: run test setup install catalogs db clean

run: setup
	$(BIN)/flask serve --port $(PORT)

test: install catalogs
	$(BIN)/python -m pytest $(PYTEST_ARGS)

setup: install catalogs db

install: $(VENV)/.installed node_modules/.installed

$(VENV)/.installed: setup.cfg pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --silent
	touch $@

catalogs: $(VENV)/.installed
	$(BIN)/pybabel compile --use-fuzzy --statistics -d web/translations

db: $(VENV)/.installed
	$(BIN)/flask db upgrade
	$(BIN)/flask processes deploy
	$(BIN)/flask seed

clean:
	rm -rf $(VENV) node_modules
