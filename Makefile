# Resigrid: two commands. `make run` serves the demo at http://127.0.0.1:8000; `make test` checks everything.
SHELL := /bin/bash
PYTHON ?= python3
UV_VERSION := 0.13.9
UV := .tools/bin/uv
PY := .venv/bin/python
export UV_PYTHON_DOWNLOADS := never
export UV_PROJECT_ENVIRONMENT := .venv
export UV_LINK_MODE := copy

.PHONY: run test install install-dev assets check pytest pytest-sqlite pytest-postgres bench messages clean

run: install assets
	$(PY) manage.py migrate --noinput
	$(PY) manage.py seed_demo --if-empty
	@# The task worker (simulation runs, queued jobs) runs beside the server and stops with it.
	@$(PY) manage.py db_worker --queue-name '*' --no-reload & worker=$$!; \
	trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
	$(PY) manage.py runserver 127.0.0.1:8000

test: install-dev assets check pytest

$(UV):
	$(PYTHON) -m venv .tools
	.tools/bin/pip install --quiet --disable-pip-version-check "uv==$(UV_VERSION)"

install: $(UV)
	$(UV) sync --frozen --no-dev --python $(PYTHON) --quiet

install-dev: $(UV)
	$(UV) sync --frozen --python $(PYTHON) --quiet

assets: node_modules/.package-lock.json

node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

check:
	.venv/bin/ruff format --check .
	.venv/bin/ruff check .
	.venv/bin/mypy .
	.venv/bin/lint-imports
	$(PY) manage.py makemigrations --check --dry-run
	$(PY) manage.py check --fail-level WARNING

# SQLite always; PostgreSQL too when it answers (with CI=true a missing server fails the run).
pytest: pytest-sqlite pytest-postgres

pytest-sqlite:
	env -u DATABASE_URL $(PY) -m pytest -n 2 --dist loadgroup

pytest-postgres:
	@$(PY) -m resigrid.core.probe postgres; rc=$$?; \
	if [ $$rc -eq 0 ]; then \
		DATABASE_URL="$${TEST_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/resigrid}" \
		$(PY) -m pytest -n 2 --dist loadgroup; \
	elif [ $$rc -eq 2 ]; then exit 2; \
	else echo "PostgreSQL run SKIPPED: no server at 127.0.0.1:5432 (with CI=true this fails)"; fi

bench: install-dev
	$(PY) bench/bench_locator.py
	$(PY) bench/bench_seed.py

messages:
	$(PY) manage.py makemessages -l zh_Hans --no-obsolete --ignore=.venv --ignore=.tools --ignore=node_modules --ignore=tests --ignore=bench
	$(PY) manage.py makemessages -d djangojs -l zh_Hans --no-obsolete --ignore=.venv --ignore=.tools --ignore=node_modules --ignore=staticfiles
	$(PY) manage.py compilemessages --ignore=.venv --ignore=.tools --ignore=node_modules

clean:
	rm -rf .venv .tools node_modules staticfiles
