import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")

from project.wsgi import application  # noqa: F401  (the production WSGI module, bench settings)
