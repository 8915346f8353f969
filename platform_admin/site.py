"""Control panel helpers referenced from the UNFOLD settings."""

from django.conf import settings


def environment_callback(request):
    """Label the panel with the environment so staff never mistake staging for production."""
    colour = {"production": "danger", "staging": "warning"}.get(settings.ENVIRONMENT, "info")
    return [settings.ENVIRONMENT.capitalize(), colour]
