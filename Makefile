# Two commands for a fresh clone: `make run` starts Tidings, `make test` runs the tests.
# Both create or update the local virtualenv in .venv first.
PYTHON ?= python3
VENV := .venv
STAMP := $(VENV)/.installed

.PHONY: run test lint screenshots translations server

$(STAMP): pyproject.toml
	test -x $(VENV)/bin/python || $(PYTHON) -m venv $(VENV)
	$(VENV)/bin/python -m pip install --quiet --upgrade pip
	$(VENV)/bin/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

run: $(STAMP)
	$(VENV)/bin/tidings

server: $(STAMP)
	$(VENV)/bin/tidings-server

test: $(STAMP)
	$(VENV)/bin/python -m pytest

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

# Renders the main window with a sample conversation to docs/screenshot-*.png (offscreen).
screenshots: $(STAMP)
	QT_QPA_PLATFORM=offscreen $(VENV)/bin/python packaging/screenshots.py

# Updates resources/i18n/*.ts from the code's strings and compiles them to .qm.
translations: $(STAMP)
	$(VENV)/bin/python packaging/translations.py
