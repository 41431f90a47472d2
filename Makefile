# The two commands a newcomer needs: `make run` and `make test`. Both install what they
# need into .venv first (Python 3.11 and make are all the machine must have).
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed
LANDING ?= data/input

.PHONY: install run test lint bench docs clean

$(INSTALLED): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check uv
	# Byte-compile at install time: dlt alone takes ~3 s to compile at every start otherwise.
	$(BIN)/uv pip install --quiet --python $(BIN)/python --compile-bytecode -e '.[dev]'
	touch $@

install: $(INSTALLED)

## Main job on the embedded DuckDB: demo data if the landing zone is empty, then the run.
run: $(INSTALLED)
	@if [ ! -d "$(LANDING)" ] || [ -z "$$(ls -A "$(LANDING)")" ]; then \
		$(BIN)/medallion demo --out "$(LANDING)"; fi
	$(BIN)/medallion run --landing "$(LANDING)"

## The whole test suite (lint and type checks included).
test: $(INSTALLED)
	$(BIN)/python -m pytest

lint: $(INSTALLED)
	$(BIN)/ruff check .
	$(BIN)/mypy
	$(BIN)/sqlfluff lint models macros snapshots tests

bench: $(INSTALLED)
	$(BIN)/python benchmarks/ingest.py --transactions 1000000

clean:
	rm -rf warehouse target logs reports/runs
