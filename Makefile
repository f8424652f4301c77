# TXNG Cert — see README. Every target works from a fresh clone.
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
# xstatic-bootstrap builds only with setuptools<81 in its build environment.
export PIP_CONSTRAINT := $(CURDIR)/constraints-build.txt
export PIP_DISABLE_PIP_VERSION_CHECK := 1

# Production-like values for `check --deploy` (never used to serve anything).
DEPLOY_ENV := DEBUG=0 SECRET_KEY=lint-only-0f3c9a7e5d1b4c8a9e2f6d0b3a7c5e1f9d8b2a4c6e0f1a3b5 \
	ALLOWED_HOSTS=txng-cert.example.vn SITE_URL=https://txng-cert.example.vn

# Integration services (override from the environment).
INTEGRATION_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/txng_cert
INTEGRATION_BROKER_URL ?= redis://127.0.0.1:6379/14
INTEGRATION_RESULT_BACKEND ?= redis://127.0.0.1:6379/15

# The development mode (production is the default without DEBUG=1).
DEV_ENV := DEBUG=1

# Parallel test processes for `make test` (pytest-xdist); 0 runs them in this process.
TEST_WORKERS ?= 2

PO_FILES := $(wildcard locale/*/LC_MESSAGES/django.po)
MO_FILES := $(PO_FILES:.po=.mo)

.PHONY: install demo test test-integration lint bench messages serve serve-prod screenshots clean backup restore

$(VENV)/.installed: pyproject.toml constraints-build.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet -e '.[test]' 2>&1 | grep -v "^WARNING: Location"; test $${PIPESTATUS[0]} -eq 0
	touch $@

locale/%/LC_MESSAGES/django.mo: locale/%/LC_MESSAGES/django.po
	msgfmt --check-format -o $@ $<

install: $(VENV)/.installed $(MO_FILES)

# Where `make demo` and `make serve` listen: `make demo PORT=8123` (and HOST=…). Unless SITE_URL
# is set, the QR codes and e-mail links of the demo point at this address too.
HOST ?= 127.0.0.1
PORT ?= 8000
SERVE_ENV := SERVE_HOST=$(HOST) SERVE_PORT=$(PORT)

demo: install
	@echo "Preparing the demo database (migrate, checklists, demo data)…"
	@$(DEV_ENV) $(SERVE_ENV) $(PY) manage.py migrate --noinput -v 0
	@$(DEV_ENV) $(SERVE_ENV) $(PY) manage.py import_checklists
	@$(DEV_ENV) $(SERVE_ENV) $(PY) manage.py seed_demo
	$(DEV_ENV) $(SERVE_ENV) $(PY) manage.py runserver $(HOST):$(PORT)

serve: install
	$(DEV_ENV) $(SERVE_ENV) $(PY) manage.py runserver $(HOST):$(PORT)

# Production-like, locally: collectstatic, migrate, then gunicorn (127.0.0.1:8000), a Celery
# worker and celery beat with DEBUG=0; needs DATABASE_URL and CELERY_BROKER_URL. Ctrl-C stops all.
serve-prod: install
	$(PY) deploy/serve_prod.py

test: install
	$(DEV_ENV) $(PY) -m pytest -m "not integration" -q -n $(TEST_WORKERS) $(PYTEST_ARGS)

test-integration: install
	$(DEV_ENV) DATABASE_URL=$${DATABASE_URL:-$(INTEGRATION_DATABASE_URL)} \
	CELERY_BROKER_URL=$${CELERY_BROKER_URL:-$(INTEGRATION_BROKER_URL)} \
	CELERY_RESULT_BACKEND=$${CELERY_RESULT_BACKEND:-$(INTEGRATION_RESULT_BACKEND)} \
	$(PY) -m pytest -m integration -q $(PYTEST_ARGS)

# Screenshots of the key pages for the README (Chromium at /usr/bin/chromium, demo data on an
# in-memory SQLite database, tasks run eagerly).
screenshots: install
	env -u DATABASE_URL -u CELERY_BROKER_URL -u CELERY_RESULT_BACKEND $(DEV_ENV) \
	$(PY) -m pytest -m screenshots -q -p no:logging tests/browser/screenshots.py
	@ls -1 docs/screenshots/*.png

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(DEV_ENV) $(PY) manage.py makemigrations --check --dry-run
	$(DEPLOY_ENV) $(PY) manage.py check --deploy --fail-level WARNING

# SIZE=medium (default) or SIZE=large; BENCH_ARGS=--quick for the quick run CI makes.
bench: install
	$(PY) bench/run.py $(if $(SIZE),--size $(SIZE),) $(BENCH_ARGS)

# Developer helper: refresh the catalogues from the sources (needs gettext's xgettext).
messages: install
	$(DEV_ENV) $(PY) manage.py makemessages -l vi -l en --no-obsolete --ignore=.venv --ignore=staticfiles

# Backup and restore (core/backup.py): the database (pg_dump, or the SQLite file) and every
# stored file (media folder or S3 bucket) in one archive under var/backups (BACKUP_DIR).
BACKUP_DIR ?= var/backups
backup: install
	$(PY) manage.py backup --dir "$(BACKUP_DIR)"

# make restore BACKUP=var/backups/txng-cert-….tar.gz [YES=1]: REPLACES the database and files.
restore: install
	@test -n "$(BACKUP)" || { echo "usage: make restore BACKUP=var/backups/txng-cert-<time>.tar.gz [YES=1]"; exit 2; }
	$(PY) manage.py restore "$(BACKUP)" $(if $(YES),--yes)

clean:
	rm -rf $(VENV) staticfiles $(MO_FILES)
