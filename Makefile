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

DEB_PACKAGES := pkg-config libmariadb-dev mariadb-client python3-dev gcc libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz0b fonts-dejavu-core poppler-utils

BROWSER_PACKAGES := chromium chromium-driver
# The portal (frontend/) builds with Debian's own Node.js (18) as well as newer ones.
NODE_PACKAGES := nodejs npm
FRONTEND := frontend
NPM := npm --prefix $(FRONTEND) --no-fund --no-audit --loglevel=error

# The deploy files are checked with Debian's own nginx and systemd-analyze (make deploy-check).
DEPLOY_PACKAGES := nginx systemd openssl redis-server

.PHONY: fuzz run test setup system-deps browser-deps node-deps deploy-deps venv migrate seed serve worker beat lint \
	check clean frontend frontend-deps frontend-types frontend-types-check frontend-test \
	release build prod deploy-check faults outbox-relay bench bench-bank

run: setup frontend seed serve ## set up everything, build the portal, load the demo data and serve on http://$(HOST):$(PORT)

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

node-deps: ## Debian's nodejs and npm (root) when no Node.js is installed, to build the portal
	@if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "Installing Debian packages: $(NODE_PACKAGES)"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(NODE_PACKAGES) >/dev/null; \
	  else \
	    echo "Node.js is missing. Run: sudo apt-get install -y $(NODE_PACKAGES)"; exit 1; \
	  fi; \
	fi

$(FRONTEND)/node_modules/.installed: $(FRONTEND)/package.json $(FRONTEND)/package-lock.json
	$(NPM) ci
	touch $@

frontend-deps: node-deps $(FRONTEND)/node_modules/.installed

PORTAL_SOURCES := $(shell find $(FRONTEND)/src -type f 2>/dev/null) $(wildcard $(FRONTEND)/*.json $(FRONTEND)/*.ts $(FRONTEND)/index.html)

$(FRONTEND)/dist/index.html: $(FRONTEND)/node_modules/.installed $(PORTAL_SOURCES)
	$(NPM) run build

frontend: frontend-deps $(FRONTEND)/dist/index.html ## build the tenant portal into frontend/dist (Django serves it at /app/)

frontend-types: venv frontend-deps ## regenerate frontend/src/api/schema.d.ts from the live OpenAPI schema
	$(RUN_ENV) $(PY) manage.py spectacular --format openapi-json --file $(FRONTEND)/openapi.json
	cd $(FRONTEND) && npx openapi-typescript openapi.json -o src/api/schema.d.ts >/dev/null
	rm -f $(FRONTEND)/openapi.json

frontend-types-check: venv frontend-deps ## fail when the committed API types drift from the schema
	@tmp=$$(mktemp -d); \
	$(RUN_ENV) $(PY) manage.py spectacular --format openapi-json --file $$tmp/openapi.json && \
	(cd $(FRONTEND) && npx openapi-typescript $$tmp/openapi.json -o $$tmp/schema.d.ts >/dev/null) && \
	if diff -u $(FRONTEND)/src/api/schema.d.ts $$tmp/schema.d.ts > $$tmp/drift.diff; then \
	  echo "frontend/src/api/schema.d.ts matches the OpenAPI schema"; rm -rf $$tmp; \
	else \
	  head -60 $$tmp/drift.diff; rm -rf $$tmp; \
	  echo "The API schema changed: run 'make frontend-types' and commit frontend/src/api/schema.d.ts"; exit 1; \
	fi

frontend-test: frontend-deps ## the portal's unit tests (Vitest)
	$(NPM) test

deploy-deps: ## nginx, systemd-analyze, openssl and redis-server for deploy-check and the fault suite (root)
	@missing=""; for p in $(DEPLOY_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "Installing Debian packages:$$missing"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	  else \
	    echo "Missing Debian packages. Run: sudo apt-get install -y$$missing"; exit 1; \
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
	@echo "  Tenant portal:          http://acme.localhost:$(PORT)/app/   (sign up a company: http://localhost:$(PORT)/app/signup)"
	@echo "  Control panel (staff):  http://localhost:$(PORT)/admin/"
	@echo "  API docs (Swagger):     http://localhost:$(PORT)/api/docs/   (schema: /api/schema/)"
	@echo "  Health:                 http://localhost:$(PORT)/health/ and /health/ready/"
	@echo "  Tenant API hosts:       http://acme.localhost:$(PORT)/api/...  http://tech.localhost:$(PORT)/api/..."
	@echo "  Logins:                 see README.md (password for every demo user: demo-pass-2026)"
	@echo ""
	$(RUN_ENV) $(PY) manage.py runserver $(HOST):$(PORT)

bench-bank: venv ## import a 10,000-line bank statement: under 30 s, constant queries per chunk
	$(RUN_ENV) $(PY) bench/bank_import.py

test: system-deps browser-deps venv frontend frontend-test ## the portal's unit tests, then the whole suite (browser tests included)
	$(VENV)/bin/pytest $(PYTEST_ARGS)

bench: venv ## 10k vs 1M tasks on MariaDB behind gunicorn: the scale table, EXPLAINs, export timings (README)
	$(PY) bench/run.py | tee bench/latest.md

# The OpenAPI contract fuzzed harder than in the suite (which sends >= 2,000 requests): needs MariaDB.
FUZZ_DATABASE_URL ?= mysql://root@127.0.0.1:3306/saas
FUZZ_EXAMPLES ?= 60
fuzz: venv ## schemathesis over every API operation, FUZZ_EXAMPLES per operation and mode, on MariaDB
	DATABASE_URL=$(FUZZ_DATABASE_URL) CONTRACT_EXAMPLES=$(FUZZ_EXAMPLES) CONTRACT_MIN_REQUESTS=0 CONTRACT_TIMEOUT=7200 \
	  $(VENV)/bin/pytest -p no:randomly -s project/tests/test_api_contract.py

lint: venv
	$(VENV)/bin/ruff check .

check: venv ## migrations in sync and the production settings check clean
	$(RUN_ENV) $(PY) manage.py makemigrations --check --dry-run
	DEBUG=false SECRET_KEY=check-deploy-$$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n') \
	  FIELD_ENCRYPTION_KEYS=$$(head -c 32 /dev/urandom | base64 | tr '+/' '-_') \
	  FIELD_BLIND_INDEX_KEY=check-deploy-$$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n') \
	  $(PY) manage.py check --deploy --fail-level WARNING

worker: venv ## a Celery worker on every queue (needs REDIS_URL or CELERY_BROKER_URL)
	$(VENV)/bin/celery -A project worker --loglevel=info --queues=mail,celery,billing

beat: venv ## the Celery beat scheduler (database schedule; a lease keeps it to one active beat)
	$(VENV)/bin/celery -A project beat --loglevel=info

outbox-relay: venv ## publish due outbox rows by hand (what beat does every OUTBOX_RELAY_SECONDS)
	$(PY) manage.py outbox_relay

release: venv ## the release step: migrations, once per release (saas-migrate.service)
	$(PY) manage.py migrate --noinput

build: venv ## the build step: static files, once per release (not at every start)
	$(PY) manage.py collectstatic --noinput -v 0

prod: venv ## gunicorn + workers + beat against MariaDB and Redis on this machine (see deploy/prod.sh)
	deploy/prod.sh

deploy-check: deploy-deps ## nginx -t and systemd-analyze verify on deploy/
	deploy/check.sh

faults: venv deploy-deps ## the fault suite: own Redis/MariaDB/gunicorn/workers, 8 clients (see faults/)
	$(PY) -m faults

clean:
	rm -rf $(VENV) db.sqlite3 media staticfiles $(FRONTEND)/node_modules $(FRONTEND)/dist
