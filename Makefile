# The two promises: `make run` and `make test` work on a fresh machine with only Python.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000
export PORT
# Links in background emails lead to the port the app is really served on.
SITE_URL ?= http://127.0.0.1:$(PORT)
export SITE_URL

.PHONY: run test lint format check bench clean messages

$(VENV)/.installed-run: requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.txt
	touch $@

$(VENV)/.installed-dev: $(VENV)/.installed-run requirements-dev.txt
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $@

# The demo lets staff sign in before enrolling a second factor; production refuses this.
run: export STAFF_2FA_REQUIRED ?= false
run: $(VENV)/.installed-run
	$(PY) manage.py migrate --noinput
	$(PY) manage.py seed_demo
	$(PY) manage.py runstack --port $(PORT)

# Two workers (pytest-xdist), each with its own test database, Redis database and var/
# folder (survivorship/settings_test.py); TEST_WORKERS=0 runs in one process.
TEST_WORKERS ?= 2
test: $(VENV)/.installed-dev
	$(PY) -m pytest -n $(TEST_WORKERS) $(PYTEST_ARGS)

lint: $(VENV)/.installed-dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports
	$(PY) manage.py makemigrations --check --dry-run
	@# Every string marked for translation has its Spanish: the built catalogue is committed.
	$(PY) manage.py build_messages
	@git diff --quiet -- locale || { git --no-pager diff --stat -- locale; \
		echo "make messages changed locale/: commit its output (and translate new strings in locale/fragments/)."; exit 1; }

# Extract the msgids, merge locale/fragments/*.po into locale/es/LC_MESSAGES/django.po and
# compile django.mo (devtools/i18n.py). Needs GNU gettext (msgmerge, msgfmt...).
messages: $(VENV)/.installed-dev
	$(PY) manage.py build_messages

format: $(VENV)/.installed-dev
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

# The dashboard at clinic-network scale: needs PostgreSQL in DATABASE_URL, a database of
# its own (it is filled with 100,000 synthetic patients, built once and then reused).
# BENCH_ARGS="--rebuild" builds the dataset anew; see `manage.py bench_dashboard --help`.
bench: $(VENV)/.installed-dev
	@if [ -z "$$DATABASE_URL" ]; then \
		echo "make bench needs PostgreSQL: DATABASE_URL=postgresql://user@host:5432/bench make bench (use a database of its own)"; \
		exit 2; \
	fi
	$(PY) manage.py migrate --noinput
	DEBUG=0 $(PY) manage.py bench_dashboard $(BENCH_ARGS)

clean:
	rm -rf var/celery var/test var/mail var/staticfiles var/celerybeat-schedule*
