"""Permission names follow the models' new names ("Can view company invitation", not "tenant invitation").

Django writes a permission's name once, when it creates it; rows of an existing database keep the old words.
"""

from django.db import migrations

RENAMED = {"tenant invitation": "company invitation", "tenant settings": "company settings",
           "tenant export": "company export"}


def rename(apps, schema_editor, pairs):
    Permission = apps.get_model("auth", "Permission")
    for permission in Permission.objects.filter(content_type__app_label="tenancy"):
        name = permission.name
        for old, new in pairs:
            name = name.replace(old, new)
        if name != permission.name:
            permission.name = name
            permission.save(update_fields=["name"])


def forwards(apps, schema_editor):
    rename(apps, schema_editor, RENAMED.items())


def backwards(apps, schema_editor):
    rename(apps, schema_editor, [(new, old) for old, new in RENAMED.items()])


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("tenancy", "0012_human_field_labels"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
