"""FULLTEXT indexes for the control panel's search: company name, user names (MySQL/MariaDB only)."""

from django.db import migrations

from tenancy.search import fulltext_index


class Migration(migrations.Migration):
    dependencies = [("tenancy", "0005_encrypt_existing_phone_and_tax_id")]

    operations = [
        fulltext_index("tenancy_tenant", "tenant_name_fulltext_idx", ["name"]),
        fulltext_index("tenancy_user", "user_name_fulltext_idx", ["first_name", "last_name"]),
    ]
