from datetime import timedelta

from django.core.management.base import BaseCommand

from platform_admin.services import stored_files_cleanup


class Command(BaseCommand):
    help = "Delete stored payment proofs and attachments that no row references (older than --hours)."

    def add_arguments(self, parser):
        parser.add_argument("--hours", type=int, default=6, help="only files older than this (default 6)")

    def handle(self, *args, hours: int, **options):
        deleted = stored_files_cleanup(older_than=timedelta(hours=hours))
        for path in deleted:
            self.stdout.write(f"deleted {path}")
        self.stdout.write(f"{len(deleted)} orphaned file(s) deleted")
