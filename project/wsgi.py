import gc
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "project.settings")
application = get_wsgi_application()
# Everything loaded so far (Django, the apps, the URL conf) lives as long as the process: move it out of the
# garbage collector's generations, so that a request's collections scan its own objects only. Without this,
# building the 50 model instances of a list page triggered collections that walked the whole heap
# (make bench: the DRF task list at half the plain view's speed).
gc.freeze()
