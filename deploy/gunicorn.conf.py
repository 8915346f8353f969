"""gunicorn settings for production: `gunicorn -c deploy/gunicorn.conf.py project.wsgi`."""

import multiprocessing
import os

import gunicorn.http.wsgi

# No "Server: gunicorn/<version>" banner (nginx in front answers with its own, without a version).
gunicorn.http.wsgi.SERVER = ""

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
worker_class = "gthread"
workers = int(os.environ.get("GUNICORN_WORKERS", multiprocessing.cpu_count()))
threads = int(os.environ.get("GUNICORN_THREADS", 4))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", 60))
graceful_timeout = 30
keepalive = 5
# Workers are recycled (a guard against slow leaks), rarely and at spread-out points: a new worker needs about
# a second to import the app, and two workers recycling together left no one accepting for that second (the
# fault suite measured every reader stalled 1.1 s, every ~20 s, with 2000 +- 200). With a jitter of half the
# limit, equally loaded workers drift apart after their first recycle.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", 10000))
max_requests_jitter = max_requests // 2
accesslog = "-"
errorlog = "-"
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
