from django.db import migrations

from tenancy.crypto import decrypt_rows_in_place, reencrypt_rows

MODELS = ["Tenant", "HistoricalTenant", "TenantSettings", "HistoricalTenantSettings"]


def encrypt(apps, schema_editor):
    for name in MODELS:
        reencrypt_rows(apps.get_model("tenancy", name))


def decrypt(apps, schema_editor):
    for name in MODELS:
        decrypt_rows_in_place(apps.get_model("tenancy", name), schema_editor)


class Migration(migrations.Migration):
    dependencies = [("tenancy", "0004_encrypt_phone_and_tax_id")]

    operations = [migrations.RunPython(encrypt, decrypt)]
