# Everything a developer needs, from a fresh machine with only Python 3.11+:
#   make run    create .venv if missing, install the project, migrate, seed, run the engine
#   make test   the same setup, then the whole test suite (PYTEST_ARGS passes options to pytest)

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
# Reinstall only when the dependencies can have changed.
STAMP := $(VENV)/.pmi-installed
PYTEST_ARGS ?=
JOURNEYS ?= 20

.DEFAULT_GOAL := help
.PHONY: help venv run migrate seed test lint format demo messages bench bench-quick clean distclean

help:
	@echo "make run        install if needed, migrate, seed, run Temporal + simulator + worker + API"
	@echo "make test       install if needed, run the tests (PYTEST_ARGS='-k token' to pass options)"
	@echo "make lint       ruff check and format check"
	@echo "make demo       start and progress JOURNEYS=$(JOURNEYS) journeys against a running engine"
	@echo "make messages   extract the console's text and merge it into the Indonesian catalog"
	@echo "make bench      the engine against bare Temporal, side by side (bench-quick: about a minute)"
	@echo "make clean      remove caches, build files and local data (.data); distclean also .venv"

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11+ is required; set PYTHON=python3.11")'
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	@touch $(STAMP)

venv: $(STAMP)

migrate: venv
	$(BIN)/pmi migrate

seed: venv
	$(BIN)/pmi seed

# exec: pmi replaces the shell, so Ctrl-C and SIGTERM reach it directly and it stops the parts in order.
run: venv
	$(BIN)/pmi migrate
	$(BIN)/pmi seed
	exec $(BIN)/pmi run

# Three workers, each running whole files (their session's servers and stacks stay theirs): the suite
# waits on servers and polls as much as it computes, so even the 2-core CI machine runs three at once
# faster than two (280 s against 320 s). PYTEST_WORKERS=0 runs it in one process.
PYTEST_WORKERS ?= 3
test: venv
	$(BIN)/pytest -q -n $(PYTEST_WORKERS) --dist loadfile $(PYTEST_ARGS)

lint: venv
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: venv
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

demo: venv
	$(BIN)/pmi demo --journeys $(JOURNEYS)

# The engine against bare Temporal, side by side, in one run (bench/side_by_side.py; bench/README.md).
bench: venv
	$(BIN)/python bench/side_by_side.py --json bench/results/side_by_side.json

bench-quick: venv
	$(BIN)/python bench/side_by_side.py --quick

# The console's text: extract what the code and templates mark, and merge it into the Indonesian
# catalog (new texts come in untranslated: `make test` fails until they are translated).
messages: venv
	$(BIN)/pybabel extract -F babel.cfg -k N_ -o api/console/locale/messages.pot --no-location --omit-header --sort-output .
	$(BIN)/pybabel update -i api/console/locale/messages.pot -d api/console/locale -l id --no-fuzzy-matching --width 120

clean:
	rm -rf .data build *.egg-info .pytest_cache .ruff_cache .hypothesis
	find . -path ./$(VENV) -prune -o -name __pycache__ -type d -exec rm -rf {} +

distclean: clean
	rm -rf $(VENV)
