# Two entry points for a fresh machine with Python 3.11+: `make demo` and `make test`.
#
# Two virtual environments, because a connector plugin is found through its entry point by
# every program of the environment it is installed in: the test plugins (one of them broken on
# purpose) must never reach the demo, and the demo needs none of the test tools.
#   $(DEMO_VENV)  the product alone (`pip install -e .`): what `make demo` runs.
#   $(VENV)       the product, its test extras and the test plugins: `make test`, `lint`, `bench`.
PYTHON ?= python3
VENV ?= .venv
DEMO_VENV ?= .venv-demo
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEMO_STAMP := $(DEMO_VENV)/.installed
TEST_PLUGINS := ./tests/plugins/tradegate-example-connector ./tests/plugins/tradegate-broken-connector

.PHONY: demo test lint bench clean

$(DEMO_STAMP): pyproject.toml Makefile
	$(PYTHON) -m venv --clear $(DEMO_VENV)
	$(DEMO_VENV)/bin/python -m pip install --quiet --upgrade pip
	$(DEMO_VENV)/bin/python -m pip install --quiet -e .
	touch $(DEMO_STAMP)

$(STAMP): pyproject.toml Makefile plugins/tradegate-cargox/pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[test]"
	$(BIN)/python -m pip install --quiet $(TEST_PLUGINS)
	$(BIN)/python -m pip install --quiet --no-deps -e ./plugins/tradegate-cargox
	touch $(STAMP)

demo: $(DEMO_STAMP)
	$(DEMO_VENV)/bin/tradegate demo

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
	rm -rf $(VENV) $(DEMO_VENV) var .pytest_cache .mypy_cache .ruff_cache
