from django.db import migrations

from tenancy.crypto import decrypt_rows_in_place, reencrypt_rows

MODELS = ["Invoice", "HistoricalInvoice"]


def encrypt(apps, schema_editor):
    for name in MODELS:
        reencrypt_rows(apps.get_model("billing", name))


def decrypt(apps, schema_editor):
    for name in MODELS:
        decrypt_rows_in_place(apps.get_model("billing", name), schema_editor)


class Migration(migrations.Migration):
    dependencies = [("billing", "0003_invoice_encrypt_bill_to_tax_id")]

    operations = [migrations.RunPython(encrypt, decrypt)]
