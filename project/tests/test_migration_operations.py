"""AlterFieldsTogether leaves the same project state as its AlterFields applied one by one."""

import pytest
from django.db.migrations.loader import MigrationLoader

from project.migration_operations import AlterFieldsTogether

LABEL_MIGRATIONS = [("billing", "0013_human_field_labels"), ("tenancy", "0012_human_field_labels"),
                    ("work", "0005_human_field_labels"), ("platform_admin", "0005_human_field_labels")]


def _fields(state):
    return {key: {name: field.deconstruct()[1:] for name, field in model.fields.items()} | {"": model.options}
            for key, model in state.models.items()}


@pytest.mark.parametrize("app_label, name", LABEL_MIGRATIONS)
def test_the_batch_gives_the_state_of_its_operations_one_by_one(app_label, name):
    loader = MigrationLoader(None, ignore_no_migrations=True)
    migration = loader.get_migration(app_label, name)
    [batch] = migration.operations
    assert isinstance(batch, AlterFieldsTogether) and len(batch.operations) >= 20
    before = loader.project_state((app_label, name), at_end=False)
    one_by_one, together = before.clone(), before.clone()
    together.apps  # rendered, as migrate has them (the models are reloaded at the end of the batch)
    for operation in batch.operations:
        operation.state_forwards(app_label, one_by_one)
    batch.state_forwards(app_label, together)
    assert _fields(together) == _fields(one_by_one)
    assert _fields(together) != _fields(before)
    assert "reload_model" not in together.__dict__  # the stand-in is gone
    last = [op for op in batch.operations if hasattr(op, "field")][-1]
    rendered = together.apps.get_model(app_label, last.model_name_lower)._meta.get_field(last.name)
    assert rendered.verbose_name == last.field.verbose_name
