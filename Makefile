# officebot — two commands for a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: run test lint typecheck unit bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[test]'
	touch $(STAMP)

## run: start the bot with the settings in .env (no token there: the offline simulator;
##      `officebot simulate --hint` prints how to connect a real bot and exits 1 if a token is set)
run: $(STAMP)
	@if $(BIN)/officebot simulate --hint; then exec $(BIN)/officebot simulate; \
	else exec $(BIN)/officebot run; fi

## test: ruff (lint + format check), mypy, then the test suite
test: $(STAMP) lint typecheck unit

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(STAMP)
	$(BIN)/mypy

unit: $(STAMP)
	$(BIN)/python -m pytest -q

## bench: print the speed figures (parser, storage, outbox write path, scheduler, directory look-up,
##        reports), then resilience (#12: kill -9, burst, big notices, slow Telegram; ~4 min) and
##        the office week (#14: how much the bot says; ~1 min)
bench: $(STAMP)
	$(BIN)/python bench/parse_bench.py
	$(BIN)/python bench/storage_bench.py
	$(BIN)/python bench/outbox_bench.py
	$(BIN)/python bench/scheduler_bench.py
	$(BIN)/python bench/contacts_bench.py
	$(BIN)/python bench/reports_bench.py
	$(BIN)/python bench/resilience_bench.py
	$(BIN)/python bench/office_week.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
