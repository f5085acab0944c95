# Two commands for a newcomer: `make run` (install + start the bot), `make test` (install + all tests).
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
STAMP := $(VENV)/.installed-stamp

.PHONY: install system-deps run test lint bench clean

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11 or newer is needed")'
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --upgrade pip
	$(VENV)/bin/pip install --quiet -e '.[test]'
	touch $(STAMP)

install: $(STAMP) system-deps

system-deps:
	@bash scripts/system-deps.sh

run: install
	$(VENV)/bin/hlm-bot run

test: install
	@bash scripts/system-deps.sh --tests
	$(VENV)/bin/python -m pytest -n 2

bench: install
	$(VENV)/bin/python bench/diagnostic_latency.py
	$(VENV)/bin/python bench/ppal_pdf.py
	$(VENV)/bin/python bench/reminders_claim.py
	$(VENV)/bin/python bench/reminders_derive.py
	$(VENV)/bin/python bench/reminders_start.py
	$(VENV)/bin/python bench/stranger_flood.py
	$(VENV)/bin/python bench/reminders_send.py
	$(VENV)/bin/python bench/search_scale.py
	$(VENV)/bin/python bench/import_scale.py
	$(VENV)/bin/python bench/rss_scale.py
	$(VENV)/bin/python bench/concurrent_advisors.py

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy

clean:
	rm -rf $(VENV) build *.egg-info
