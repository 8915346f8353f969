"""Load the project's Django fixtures (the top-level `fixtures/` folder) from code."""

from pathlib import Path

from django.conf import settings
from django.core import serializers
from django.db import transaction


def fixture_path(name: str) -> Path:
    """Return the path of `fixtures/<name>.json`."""
    return Path(settings.FIXTURE_DIRS[0]) / f"{name}.json"


@transaction.atomic
def fixture_load(name: str, *, overwrite: bool) -> list:
    """Load `fixtures/<name>.json` and return the objects it saved.

    Objects are matched by natural key (the files carry no primary keys), so loading twice creates
    nothing new. With `overwrite=False` an object that already exists is left as it is (staff may
    have edited a plan's price); with `overwrite=True` it is set back to the file's values, exactly
    what `manage.py loaddata` does.
    """
    with fixture_path(name).open(encoding="utf-8") as fh:
        objects = list(serializers.deserialize("json", fh))
    saved = []
    for item in objects:
        if item.object.pk is not None and not overwrite:
            continue
        item.save()
        saved.append(item.object)
    return saved
