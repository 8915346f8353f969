from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("billing", "0011_bank_statement_import"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="invoice",
            index=models.Index(fields=["currency", "paid_at", "status", "total"], name="invoice_revenue_idx"),
        ),
    ]
