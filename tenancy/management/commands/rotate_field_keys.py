from django.apps import apps
from django.core.management.base import BaseCommand

from tenancy.crypto import encrypted_fields, reencrypt_rows


class Command(BaseCommand):
    help = ("Re-encrypt every encrypted field under the first key of FIELD_ENCRYPTION_KEYS "
            "(put the new key first, run this, then drop the old key).")

    def handle(self, *args, **options):
        total = 0
        for model in apps.get_models():
            if not encrypted_fields(model):
                continue
            written = reencrypt_rows(model)
            total += written
            self.stdout.write(f"{model._meta.label}: {written} rows re-encrypted")
        self.stdout.write(self.style.SUCCESS(f"Done: {total} rows now use the newest key."))
