"""A FULLTEXT index on the task's title and description for `?search=` (MySQL/MariaDB only; SQLite uses LIKE)."""

from django.db import migrations

from tenancy.search import fulltext_index


class Migration(migrations.Migration):
    dependencies = [("work", "0002_task_list_order_indexes")]

    operations = [fulltext_index("work_task", "task_fulltext_idx", ["title", "description"])]
