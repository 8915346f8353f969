from django.core.management.base import BaseCommand

from ops.outbox import outbox_relay


class Command(BaseCommand):
    help = "Publish the outbox rows that are due (what the periodic relay job does)."

    def handle(self, *args, **options):
        total = 0
        while True:
            published = outbox_relay()
            total += published
            if not published:
                break
        self.stdout.write(f"published {total}")
