# Two set-up commands: `make run` and `make test`. Both create .venv when needed and are quiet when nothing changed.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: run test bench demo-data clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	touch $(STAMP)

## make run: install, then the whole loop on the embedded demo data
run: $(STAMP)
	$(BIN)/workbench demo

## make test: install, then the whole test suite (slow and browser tests included)
test: $(STAMP)
	$(BIN)/python -m pytest -q

## make bench: speed and memory benchmarks (not tests)
bench: $(STAMP)
	$(BIN)/python benchmarks/run_all.py

## make demo-data: regenerate datasets/demo with the fixed seed
demo-data: $(STAMP)
	$(BIN)/workbench simulate --demo --out datasets/demo

clean:
	rm -rf $(VENV) .pytest_cache .benchmarks
