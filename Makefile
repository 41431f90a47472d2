# The two commands a newcomer needs: `make run` and `make test`. Both install what they
# need into .venv first (Python 3.11 and make are all the machine must have).
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed
LANDING ?= data/input
KAFKA_DUMPS ?= data/kafka

.PHONY: install run test lint bench bench-e2e docs clean

$(INSTALLED): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check uv
	# Byte-compile at install time: dlt alone takes ~3 s to compile at every start otherwise.
	$(BIN)/uv pip install --quiet --python $(BIN)/python --compile-bytecode -e '.[dev]'
	touch $@

install: $(INSTALLED)

## Main job on the embedded DuckDB: demo data (files and topic dumps) if the landing zone is
## empty, then the run (with the topic dumps when data/kafka exists).
run: $(INSTALLED)
	@if [ ! -d "$(LANDING)" ] || [ -z "$$(ls -A "$(LANDING)")" ]; then \
		streams=""; \
		if [ ! -d "$(KAFKA_DUMPS)" ] || [ -z "$$(ls -A "$(KAFKA_DUMPS)")" ]; then \
			streams="--kafka-out $(KAFKA_DUMPS)"; fi; \
		$(BIN)/medallion demo --out "$(LANDING)" $$streams; fi
	$(BIN)/medallion run --landing "$(LANDING)" \
		$$([ -d "$(KAFKA_DUMPS)" ] && echo --kafka-dumps "$(KAFKA_DUMPS)")

## The whole test suite (lint and type checks included).
test: $(INSTALLED)
	$(BIN)/python -m pytest

lint: $(INSTALLED)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/sqlfluff lint models macros snapshots tests

## Ingest against DuckDB read_json (1M lines), and the end-to-end benchmark (10M lines: full
## run, one-hour refresh, no-op refresh, 1,000-subject erasure refresh).
bench: $(INSTALLED)
	$(BIN)/python benchmarks/ingest.py --transactions 1000000

bench-e2e: $(INSTALLED)
	$(BIN)/python benchmarks/end_to_end.py --transactions 10000000 --days 30

clean:
	rm -rf warehouse target logs reports/runs
