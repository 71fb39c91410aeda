# ruralops — the two commands a user types are `make demo` and `make test`.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEMO_START ?= 2026-11-01
DEMO_DAYS ?= 3
DEMO_CUSTOMERS ?= 5000
DEMO_SEED ?= 20261201

export DBT_SEND_ANONYMOUS_USAGE_STATS := false
export GX_ANALYTICS_ENABLED := false
export AIRFLOW__CORE__LOAD_EXAMPLES := False

.PHONY: setup demo test test-unit bench docs lock db-start db-stop clean

setup: $(STAMP)

$(STAMP): requirements/lock.txt pyproject.toml
	@$(PYTHON) -c 'import sys; assert sys.version_info[:2] == (3, 11), "ruralops needs Python 3.11 (set PYTHON=...)"'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements/lock.txt
	$(BIN)/pip install --quiet --no-deps -e .
	@touch $(STAMP)

demo: setup
	$(BIN)/ruralops db start
	$(BIN)/ruralops simulate --start $(DEMO_START) --days $(DEMO_DAYS) --customers $(DEMO_CUSTOMERS) --seed $(DEMO_SEED)
	$(BIN)/ruralops run --date $(DEMO_START) --days $(DEMO_DAYS)
	@echo
	@echo "Outputs:"
	@echo "  landing files:   .ruralops/landing/<system>/<yyyymmdd>/   (ground truth: .ruralops/truth/)"
	@echo "  CRM lead files:  $$(ls -d .ruralops/outbox/crm/*/CRM_LEADS_*.dat | tr '\n' ' ')"
	@echo "  run summaries:   table ops.run_summary;  print one: $(BIN)/ruralops report --date $(DEMO_START)"
	@echo "  warehouse:       $$($(BIN)/ruralops db url)   (open a shell: $(BIN)/ruralops db psql)"

test: setup
	$(BIN)/python -m pytest

test-unit: setup
	$(BIN)/python -m pytest -m unit

bench: setup
	$(BIN)/python bench/simulate_bench.py
	$(BIN)/python bench/load_vs_copy.py
	$(BIN)/python bench/log_memory.py
	$(BIN)/python bench/identity_accuracy.py
	$(BIN)/python bench/identity_scale.py

docs: setup
	$(BIN)/ruralops sources > docs/sources.md

# Re-resolve the dependency set (needs the registries) and rewrite the lock.
lock:
	rm -rf .lockvenv && $(PYTHON) -m venv .lockvenv
	.lockvenv/bin/pip install --quiet -e .[test]
	(echo "# Pinned lock of the whole dependency set, resolved on Python 3.11 (pip freeze)."; \
	 echo "# Regenerate: make lock."; \
	 .lockvenv/bin/pip freeze --exclude-editable | grep -v '^ruralops') > requirements/lock.txt
	rm -rf .lockvenv

db-start: setup
	$(BIN)/ruralops db start

db-stop: setup
	$(BIN)/ruralops db stop

clean:
	-$(BIN)/ruralops db stop
	rm -rf .ruralops $(VENV)
