"""Small helpers every app's services share."""

from collections.abc import Iterable

from django.db import models

from tenancy.audit import change_reason, diff, snapshot


def model_update(obj: models.Model, changes: dict, *, allowed: Iterable[str], actor, reason: str = "") -> dict:
    """Set the `allowed` fields given in `changes` on a (locked) row and save only those that changed.

    Returns the audit diff `{field: [old, new]}`; an empty dict means nothing was saved. `updated_at`
    is saved too when the model has one. `reason` is the history row's change reason and `actor` its
    history user (see `change_reason`; None: the system).
    """
    fields = [name for name in allowed if name in changes]
    before = snapshot(obj, fields)
    for name in fields:
        setattr(obj, name, changes[name])
    changed = diff(before, snapshot(obj, fields))
    if changed:
        update_fields = list(changed)
        if any(field.name == "updated_at" for field in obj._meta.concrete_fields):
            update_fields.append("updated_at")
        if reason:
            change_reason(obj, reason, actor=actor)
        obj.save(update_fields=update_fields)
    return changed
