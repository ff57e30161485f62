# The two commands: `make run` serves the portal with demo data, `make test` runs every check and test.
# The Python for the virtualenv: 3.11 (the version the project is built on) when there is one,
# else a python3 of 3.12 or 3.13, which Django 5.2 and every pinned package also support.
PYTHON ?= $(shell for candidate in python3.11 python3; do \
	if $$candidate -c 'import sys; sys.exit(not (3, 11) <= sys.version_info[:2] <= (3, 13))' >/dev/null 2>&1; then \
	command -v $$candidate; break; fi; done)
VENV := .venv
BIN := $(VENV)/bin
export DJANGO_SETTINGS_MODULE := qms_portal.settings

.PHONY: run test lint install install-test seed measure bench clean print-python

$(BIN)/python:
	@test -n "$(PYTHON)" || { echo "Python 3.11 (or 3.12, 3.13) is needed: install python3.11 with its venv module." >&2; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: requirements.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.installed-test: requirements.txt requirements-test.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements-test.txt
	touch $(VENV)/.installed $@

install: $(VENV)/.installed
install-test: $(VENV)/.installed-test

run: install
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py seed_demo --if-empty
	$(BIN)/python manage.py runserver 127.0.0.1:8000

# The floors of the architecture (import contracts) and the types (mypy, cached in .mypy_cache) are
# checked beside the style, so `make test` and CI fail on either.
lint: install-test
	$(BIN)/ruff check .
	$(BIN)/lint-imports
	$(BIN)/mypy
	$(BIN)/python manage.py check
	$(BIN)/python manage.py makemigrations --check --dry-run

# One test process per core (pytest-xdist); the slowest tests are listed at the end of each run.
test: lint
	$(BIN)/python -m pytest -n auto --dist loadgroup --durations=15

measure: install
	$(BIN)/python scripts/measure.py

# The portal against its floors on PostgreSQL (pages, gunicorn under load, background work): README, "Benchmark".
# Not part of `make test`. `make bench QUICK=1` runs the same code on smaller data in under two minutes.
bench: install
	$(BIN)/python scripts/bench.py $(if $(QUICK),--quick)

seed: install
	$(BIN)/python manage.py seed_demo

clean:
	rm -rf $(VENV) var staticfiles .pytest_cache .ruff_cache .mypy_cache .import_linter_cache

print-python:
	@echo $(PYTHON)
