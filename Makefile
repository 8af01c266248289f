# Likeness: two commands on a fresh machine.
#   make run    set up .venv, migrate, load the demo catalog, serve http://127.0.0.1:8000
#   make test   set up .venv with dev tools, lint (ruff, import layers, mypy), and run the whole test suite
# And for developers:
#   make check  the fast answer (under a minute): lint, types, import contracts and the tests not marked slow
#   make format ruff's fixes and formatting
#   make bench  one benchmark: make bench BENCH=robustness BENCH_ARGS="--orb-sample 0" (docs/benchmarks.md)

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000
PYTEST_ARGS ?=
BENCH ?= robustness
BENCH_ARGS ?=

.PHONY: run test check install install-dev lint static-checks format bench clean

$(VENV)/.installed: requirements.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.installed-dev: requirements-dev.txt $(VENV)/.installed
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $@

# axe-core, which the browser tests load into Chromium for the accessibility audit: installed from
# package-lock.json, never fetched while the tests run. Without npm the audit skips (CI requires it).
node_modules/.installed: package.json package-lock.json
	@if command -v npm >/dev/null 2>&1; then npm ci --no-audit --no-fund --silent && touch $@; \
	else echo "npm not found: the browser tests' accessibility audit will be skipped (apt-get install npm)"; fi

install: $(VENV)/.installed

install-dev: $(VENV)/.installed-dev node_modules/.installed

# The embedded default: SQLite, the database search backend, local hashes, indexing at once, and staff jobs
# (imports, rebuilds) run by a quiet `db_worker` started and stopped with the site (TASKS_BACKEND=database: it runs
# the indexing tasks too; both immediate: no worker). Ctrl+C stops both; a job cut short resumes next time.
# Another port: make run PORT=8080 (or PORT=8080 make run); another address: HOST=0.0.0.0.
run: install
	@echo "== Preparing the database (the first run also paints the demo catalog: about two minutes)"
	@DEBUG=$${DEBUG:-1} $(PY) manage.py migrate --no-input --verbosity 0
	@DEBUG=$${DEBUG:-1} $(PY) manage.py load_demo_catalog --if-empty
	@DEBUG=$${DEBUG:-1} $(PY) manage.py ensure_staff_user
	@echo "== Likeness runs at http://$(HOST):$(PORT)/"
	@echo "   Staff admin: http://$(HOST):$(PORT)/admin/ as admin, with the password printed when it was made"
	@echo "   (a new one: $(PY) manage.py changepassword admin). Stop with Ctrl+C."
	@export DEBUG=$${DEBUG:-1}; \
	if [ "$${JOBS_BACKEND:-database}" = database ] || [ "$${TASKS_BACKEND:-immediate}" = database ]; then \
	  queue=jobs; [ "$${TASKS_BACKEND:-immediate}" = database ] && queue=default; \
	  $(PY) manage.py db_worker --backend $$queue --no-reload --no-startup-delay --verbosity 0 & worker=$$!; \
	  trap 'kill -TERM $$worker 2>/dev/null; kill -TERM $$worker 2>/dev/null; wait $$worker 2>/dev/null' EXIT INT TERM; \
	fi; \
	$(PY) manage.py runserver $(HOST):$(PORT)

static-checks: install-dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports
	$(VENV)/bin/mypy

test: static-checks
	$(VENV)/bin/pytest -n 2 --dist worksteal $(PYTEST_ARGS)

check: static-checks
	$(VENV)/bin/pytest -n 2 --dist worksteal -q -m "not slow and not browser and not elasticsearch" $(PYTEST_ARGS)

format: install-dev
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

lint: format
	$(VENV)/bin/lint-imports
	$(VENV)/bin/mypy

bench: install-dev
	$(PY) bench/$(BENCH).py $(BENCH_ARGS)

clean:
	rm -rf $(VENV) node_modules staticfiles .pytest_cache .ruff_cache
