"""Settings of `make bench`: the project's, plus a plain comparison view and a per-bench cache prefix."""

import os

from project.settings import *  # noqa: F403
from project.settings import CACHES

ROOT_URLCONF = "bench.urls"
# Two servers (10k and 1M data sets) share one Redis: their host -> tenant entries must not mix.
for _cache in CACHES.values():
    _cache["KEY_PREFIX"] = os.environ.get("BENCH_CACHE_PREFIX", "bench")
AXES_ENABLED = False
# The bench serves no static files; the manifest storage would need collectstatic first.
STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}  # noqa: F405
SECURE_SSL_REDIRECT = False
