# Two entry points for a fresh machine with Python 3.11+: `make demo` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint bench clean

$(STAMP): pyproject.toml plugins/tradegate-cargox/pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[test]"
	$(BIN)/python -m pip install --quiet ./tests/plugins/tradegate-example-connector ./tests/plugins/tradegate-broken-connector
	$(BIN)/python -m pip install --quiet --no-deps -e ./plugins/tradegate-cargox
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/tradegate demo

lint: $(STAMP)
	$(BIN)/ruff check app connectors tests bench plugins
	$(BIN)/ruff format --check app connectors tests bench plugins
	$(BIN)/mypy
	$(BIN)/lint-imports

test: lint
	$(BIN)/pytest

bench: $(STAMP)
	for b in bench/*.py; do $(BIN)/python $$b || exit 1; done

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
