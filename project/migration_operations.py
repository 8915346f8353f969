"""Migration operations of our own.

`AlterFieldsTogether` applies many `AlterField`s as one step. Django reloads the altered model and every
model related to it after each `AlterField`, so a migration of 225 label changes (billing 0013) spent
17 s of every test database's creation re-rendering the same models. Here each field is altered in the
state as `AlterField` would, and the models are reloaded once at the end; the database side is each
`AlterField`'s own (nothing, for a label).
"""

from django.db.migrations.operations.base import Operation


class AlterFieldsTogether(Operation):
    reduces_to_sql = False
    reversible = True

    def __init__(self, operations):
        self.operations = list(operations)

    def deconstruct(self):
        return self.__class__.__qualname__, [self.operations], {}

    def describe(self):
        return f"Alter {len(self.operations)} fields together"

    @property
    def migration_name_fragment(self):
        return "alter_fields_together"

    def state_forwards(self, app_label, state):
        altered = set()
        # ProjectState.alter_field reloads after each field; note the model instead and reload once.
        state.reload_model = lambda app, model, delay=False: altered.add((app, model))
        try:
            for operation in self.operations:
                operation.state_forwards(app_label, state)
        finally:
            del state.reload_model
        state.reload_models(altered, delay=False)

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        for operation in self.operations:
            operation.database_forwards(app_label, schema_editor, from_state, to_state)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        for operation in reversed(self.operations):
            operation.database_backwards(app_label, schema_editor, from_state, to_state)
