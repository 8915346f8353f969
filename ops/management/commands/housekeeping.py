from django.core.management.base import BaseCommand

from ops.housekeeping import housekeeping_run


class Command(BaseCommand):
    help = "Flush expired JWT rows and apply the retention of activity, notifications and history."

    def handle(self, *args, **options):
        for kind, count in housekeeping_run().items():
            self.stdout.write(f"{kind}: {count}")
