# Two commands on a fresh machine: `make run` (set up + serve the demo) and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
HOST ?= 127.0.0.1
PORT ?= 8000
# Embedded defaults for the demo; every one can be overridden from the environment.
export DEBUG ?= true
RUN_ENV := DEBUG=$(DEBUG)

DEB_PACKAGES := pkg-config libmariadb-dev python3-dev gcc libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz0b fonts-dejavu-core

BROWSER_PACKAGES := chromium chromium-driver

.PHONY: run test setup system-deps browser-deps venv migrate seed serve worker beat lint check clean

run: setup seed serve ## set up everything, load the demo data and serve on http://$(HOST):$(PORT)

setup: system-deps venv migrate

system-deps: ## install the Debian packages mysqlclient and weasyprint need (root), or say how
	@missing=""; for p in $(DEB_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "Installing Debian packages:$$missing"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	  else \
	    echo "Missing Debian packages. Run: sudo apt-get install -y$$missing"; exit 1; \
	  fi; \
	fi

browser-deps: ## Debian's headless Chromium and its driver, for the browser tests
	@missing=""; for p in $(BROWSER_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "Installing Debian packages:$$missing"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	  else \
	    echo "Browser tests will be skipped. To run them: sudo apt-get install -y$$missing"; \
	  fi; \
	fi

$(VENV)/.installed: requirements.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) install -q --upgrade pip
	$(PIP) install -q -r requirements.txt
	touch $@

.env:
	cp .env.example .env

venv: $(VENV)/.installed .env

migrate: venv
	$(RUN_ENV) $(PY) manage.py migrate --noinput

seed: migrate ## load the demo data (idempotent)
	$(RUN_ENV) $(PY) manage.py seed_demo

serve:
	@echo ""
	@echo "  Control panel (staff):  http://localhost:$(PORT)/admin/"
	@echo "  API docs (Swagger):     http://localhost:$(PORT)/api/docs/   (schema: /api/schema/)"
	@echo "  Health:                 http://localhost:$(PORT)/health/ and /health/ready/"
	@echo "  Tenant API hosts:       http://acme.localhost:$(PORT)/api/...  http://tech.localhost:$(PORT)/api/..."
	@echo "  Logins:                 see README.md (password for every demo user: demo-pass-2026)"
	@echo ""
	$(RUN_ENV) $(PY) manage.py runserver $(HOST):$(PORT)

test: system-deps browser-deps venv ## run the whole suite (SQLite unless DATABASE_URL says otherwise)
	$(VENV)/bin/pytest $(PYTEST_ARGS)

lint: venv
	$(VENV)/bin/ruff check .

check: venv ## migrations in sync and the production settings check clean
	$(RUN_ENV) $(PY) manage.py makemigrations --check --dry-run
	DEBUG=false SECRET_KEY=check-deploy-$$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n') \
	  FIELD_ENCRYPTION_KEYS=$$(head -c 32 /dev/urandom | base64 | tr '+/' '-_') \
	  FIELD_BLIND_INDEX_KEY=check-deploy-$$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n') \
	  $(PY) manage.py check --deploy --fail-level WARNING

worker: venv ## a Celery worker (needs REDIS_URL or CELERY_BROKER_URL)
	$(VENV)/bin/celery -A project worker --loglevel=info

beat: venv ## the Celery beat scheduler (django-celery-beat's database schedule)
	$(VENV)/bin/celery -A project beat --loglevel=info

clean:
	rm -rf $(VENV) db.sqlite3 media staticfiles
