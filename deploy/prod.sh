#!/usr/bin/env bash
# `make prod`: the production process set on this machine, against MariaDB and Redis:
# release step (migrate), build step (collectstatic), then gunicorn + two workers + beat in the
# foreground. Ctrl-C (or SIGTERM) stops all of them (warm shutdown first).
set -euo pipefail
cd "$(dirname "$0")/.."
export DEBUG=false
export DATABASE_URL="${DATABASE_URL:-mysql://root@127.0.0.1:3306/saas}"
export REDIS_URL="${REDIS_URL:-redis://127.0.0.1:6379/0}"
export SECURE_SSL_REDIRECT="${SECURE_SSL_REDIRECT:-false}"  # no TLS in front on this machine
export GUNICORN_BIND="${GUNICORN_BIND:-127.0.0.1:8000}"
PY=.venv/bin/python
# Secrets this machine's run needs: taken from the environment, else generated once into .env.prod
# (git-ignored) and reused, so that encrypted fields and sessions survive a restart.
if [ ! -f .env.prod ]; then
  umask 077
  {
    echo "SECRET_KEY=prod-local-$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')"
    echo "FIELD_ENCRYPTION_KEYS=$($PY -c 'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())')"
    echo "FIELD_BLIND_INDEX_KEY=$(head -c 32 /dev/urandom | base64 | tr -d '\n')"
  } > .env.prod
  echo "Generated SECRET_KEY and field-encryption keys in .env.prod (keep it; git ignores it)." >&2
fi
while IFS='=' read -r name value; do
  [ -n "$name" ] && [ -z "${!name:-}" ] && export "$name=$value"
done < .env.prod
$PY manage.py migrate --noinput                 # the release step (saas-migrate.service)
$PY manage.py collectstatic --noinput -v 0      # the build step (once per release, not per start)

pids=()
stop() {
  trap - INT TERM EXIT
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  wait
}
trap stop INT TERM EXIT
.venv/bin/gunicorn -c deploy/gunicorn.conf.py project.wsgi & pids+=($!)
.venv/bin/celery -A project worker --loglevel=info --queues=mail,celery --concurrency=2 --hostname=mail@%h & pids+=($!)
.venv/bin/celery -A project worker --loglevel=info --queues=billing --concurrency=2 --hostname=billing@%h & pids+=($!)
.venv/bin/celery -A project beat --loglevel=info & pids+=($!)
echo "serving on http://$GUNICORN_BIND (gunicorn), workers mail+celery and billing, beat; Ctrl-C stops all"
wait -n
