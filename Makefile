# The two commands of the quick start: `make demo` and `make test`.
PY      ?= python3.11
VENV    := .venv
BIN     := $(VENV)/bin
STAMP   := $(VENV)/.installed

.PHONY: demo test setup system-deps bench clean

$(STAMP): pyproject.toml
	@command -v $(PY) >/dev/null || { echo "kb needs Python 3.11 ($(PY) not found)"; exit 1; }
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[test]'
	touch $(STAMP)

setup: $(STAMP)

## Set up, ingest the bundled data into the default SQLite KB and show it.
demo: $(STAMP)
	$(BIN)/kb demo
	@echo "kb is in $(BIN): run '. $(BIN)/activate' (or type $(BIN)/kb), then try 'kb races' (README: Using kb)"

## Set up (Python deps, PostgreSQL, SPIN, tmux) and run the whole test suite.
test: $(STAMP) system-deps
	bash scripts/run-tests

system-deps:
	@bash scripts/system-deps

bench: $(STAMP)
	$(BIN)/python bench/ingest.py

clean:
	rm -rf $(VENV) build *.egg-info
