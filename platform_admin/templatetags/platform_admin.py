"""Template helpers of the control panel."""

from django import template
from django.contrib import admin

register = template.Library()


@register.filter
def applicable_actions(actions, instance):
    """Keep the row actions that the row's state allows (the admin class's `detail_action_applies`)."""
    if not actions or instance is None:
        return actions
    model_admin = admin.site._registry.get(type(instance))
    applies = getattr(model_admin, "detail_action_applies", None)
    if not applies:
        return actions
    prefix = f"{admin.site.name}:{instance._meta.app_label}_{instance._meta.model_name}_"
    return [action for action in actions
            if applies.get(action["raw_path"].removeprefix(prefix), lambda _: True)(instance)]
