# Two commands for a newcomer: `make run` (demo app on http://127.0.0.1:8000) and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000

# Tests always run on real PostgreSQL and Redis; override for a separate database or Redis db.
TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/lamandau_bpjs
TEST_REDIS_URL ?= redis://127.0.0.1:6379/0
TEST_CACHE_URL ?= redis://127.0.0.1:6379/8
# The test server speaks plain http (middleware reads these once, so they come from the environment).
TEST_ENV := DATABASE_URL=$(TEST_DATABASE_URL) REDIS_URL=$(TEST_REDIS_URL) CACHE_URL=$(TEST_CACHE_URL) CONN_MAX_AGE=0 \
	SECRET_KEY=test-only-secret-key-not-for-production-0123456789abcdef DEBUG=false \
	SECURE_SSL_REDIRECT=false SESSION_COOKIE_SECURE=false CSRF_COOKIE_SECURE=false SECURE_HSTS_SECONDS=0

.PHONY: install run test check-deploy bench-import bench-certificates bench-dashboard bench-billing clean backup restore

$(BIN)/.installed: requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

install: $(BIN)/.installed

# Without DATABASE_URL/REDIS_URL: SQLite file in var/, Celery eager, DEBUG on.
# With them: the same code on PostgreSQL, and a Celery worker started beside the server.
run: install
	@mkdir -p var
	@export DEBUG=$${DEBUG:-true}; \
	$(BIN)/python manage.py migrate --noinput && \
	$(BIN)/python manage.py seed_demo $(if $(DEMO_PASSWORD),--password $(DEMO_PASSWORD)) && \
	if [ -n "$$REDIS_URL" ]; then \
		$(BIN)/celery -A lamandau_bpjs worker --concurrency 2 --loglevel INFO & worker=$$!; \
		trap 'kill $$worker 2>/dev/null' EXIT; \
	fi; \
	echo "Lamandau BPJS: http://$(HOST):$(PORT)/  (berhenti: Ctrl+C)"; \
	$(BIN)/python manage.py runserver $(HOST):$(PORT)

test: install
	@mkdir -p var/static
	DEBUG=true $(BIN)/python manage.py makemigrations --check --dry-run
	$(MAKE) --no-print-directory check-deploy
	$(BIN)/lint-imports --no-cache  # the layer order (.importlinter, README "Layout")
	$(TEST_ENV) $(BIN)/pytest $(PYTEST_ARGS)

# The production configuration must pass Django's deployment checks without warnings.
check-deploy: install
	DEBUG=false SECRET_KEY=$$(head -c 48 /dev/urandom | base64 | tr -d '/+=\n') ALLOWED_HOSTS=bpjs.lamandaukab.go.id \
		DATABASE_URL=$(TEST_DATABASE_URL) REDIS_URL=$(TEST_REDIS_URL) \
		$(BIN)/python manage.py check --deploy --fail-level WARNING

clean:
	rm -rf $(VENV) var test-artifacts

# Backups (django-dbbackup, issue 11): the database through pg_dump and MEDIA_ROOT as a tar, both
# gzipped into BACKUP_DIR (default var/backup), keeping the newest BACKUP_KEEP (14) of each.
# The beat does the same every night (core.tasks.nightly_backup). `manage.py listbackups` lists them.
backup: install
	$(BIN)/python manage.py dbbackup --clean --compress --noinput
	$(BIN)/python manage.py mediabackup --clean --compress --noinput

# make restore BACKUP=<database file in BACKUP_DIR, or latest> [MEDIA_BACKUP=<media file, default latest>]
# Replaces the database's contents and the media files: stop web, worker and beat first (README).
restore: install
	@test -n "$(BACKUP)" || { echo "usage: make restore BACKUP=<file|latest> [MEDIA_BACKUP=<file>]"; \
		$(BIN)/python manage.py listbackups; exit 2; }
	$(BIN)/python manage.py dbrestore --noinput --uncompress $(if $(filter-out latest,$(BACKUP)),--input-filename $(BACKUP))
	$(BIN)/python manage.py mediarestore --noinput --uncompress --replace $(if $(filter-out latest,$(MEDIA_BACKUP)),--input-filename $(MEDIA_BACKUP))

# Certificates through the real Celery path (2 prefork workers on Redis) against a bare WeasyPrint
# render measured in the same run; N certificates (default 500). Uses its own database and Redis db.
BENCH_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/lamandau_bench
BENCH_REDIS_URL ?= redis://127.0.0.1:6379/15
N ?= 500
bench-certificates: install
	DATABASE_URL=$(BENCH_DATABASE_URL) REDIS_URL=$(BENCH_REDIS_URL) CACHE_URL=$(BENCH_REDIS_URL) CONN_MAX_AGE=60 \
		SECRET_KEY=bench-only-secret-key-not-for-production-0123456789 DEBUG=false \
		$(BIN)/python bench/certificates.py $(N)

# A year's bill, the lapse check and the daily end of coverage for N workers, each against a bare
# database baseline in the same run (BILLING_N workers, default 3,200). Uses the benchmark database.
BILLING_N ?= 3200
bench-billing: install
	DATABASE_URL=$(BENCH_DATABASE_URL) CONN_MAX_AGE=60 SECRET_KEY=bench-only-secret-key-not-for-production-0123456789 \
		DEBUG=false $(BIN)/python bench/billing.py $(BILLING_N)

# Excel import of N workers (default 100,000; BENCH_ARGS="--rows 3200 --preview") through the service
# the admin uses, against openpyxl read + COPY measured in the same run, in a throwaway database
# ("test_" + the BENCH_DATABASE_URL name).
bench-import: install
	DATABASE_URL=$(BENCH_DATABASE_URL) DEBUG=false CONN_MAX_AGE=0 SECRET_KEY=bench-only-secret-key-not-for-production-0123456789 \
		$(BIN)/python bench/import_workers.py $(BENCH_ARGS)

# The dashboard at 3,200 and 100,000 workers, in its own database (dropped and created again).
BENCH_DASHBOARD_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/lamandau_bench_dashboard
bench-dashboard: install
	BENCH_DASHBOARD_DATABASE_URL=$(BENCH_DASHBOARD_DATABASE_URL) $(BIN)/python bench/dashboard.py

# The English catalog (locale/en): collect the strings marked for translation, then compile the .mo
# that is committed so a fresh machine needs no gettext to run. Translate new or fuzzy entries of
# locale/en/LC_MESSAGES/django.po and run it again; core/tests/test_translations.py fails until then.
# References name files without line numbers, so unrelated edits do not touch the catalog.
.PHONY: messages
messages: install
	DEBUG=true $(BIN)/python manage.py makemessages -l en --no-obsolete --add-location=file --ignore=.venv --ignore=bench
	DEBUG=true $(BIN)/python manage.py compilemessages --ignore=.venv
