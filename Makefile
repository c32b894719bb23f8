# backspasm: run `make help` for the list of targets.
.DEFAULT_GOAL := help
SHELL := /bin/bash

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp
EXTRAS ?= dev,parquet,dask

$(STAMP): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[$(EXTRAS)]"
	@touch $(STAMP)

.PHONY: help
help: ## Show this help.
	@awk 'BEGIN {FS = ":.*## "} /^[a-zA-Z_-]+:.*## / {printf "  %-10s %s\n", $$1, $$2}' $(MAKEFILE_LIST)

.PHONY: install
install: $(STAMP) ## Create .venv and install backspasm with its dev tools.

.PHONY: demo
demo: $(STAMP) ## Run the main job on the bundled example cases (writes out/).
	$(PY) scripts/demo.py

.PHONY: test
test: $(STAMP) ## Run the test suite and execute the notebooks.
	$(PY) -m pytest
	@if ls notebooks/*.ipynb >/dev/null 2>&1; then $(PY) -m pytest --nbmake notebooks -p no:randomly -o addopts="" ; fi

.PHONY: lint
lint: $(STAMP) ## Check style (ruff) and types (mypy).
	$(VENV)/bin/ruff check model tests scripts
	$(VENV)/bin/ruff format --check model tests scripts
	$(VENV)/bin/mypy

.PHONY: format
format: $(STAMP) ## Reformat the code with ruff.
	$(VENV)/bin/ruff format model tests scripts
	$(VENV)/bin/ruff check --fix model tests scripts

.PHONY: bench
bench: $(STAMP) ## Run the benchmarks against pgmpy and pyAgrum (installs the bench extra).
	$(PY) -m pip install --quiet -e ".[$(EXTRAS),bench]"
	$(PY) scripts/bench_engine.py
	$(PY) scripts/bench_diagnose.py
	$(PY) scripts/bench_scoring.py

.PHONY: clean
clean: ## Remove the virtual environment and generated output.
	rm -rf $(VENV) out dist build .pytest_cache .mypy_cache .ruff_cache
