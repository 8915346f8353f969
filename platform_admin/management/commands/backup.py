from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from platform_admin.backup import BackupError, backup_create, backup_settings


class Command(BaseCommand):
    help = ("Write a compressed (optionally encrypted) archive of the database and the media: "
            "BACKUP_DIR, BACKUP_KEEP and BACKUP_ENCRYPTION_KEY by default.")

    def add_arguments(self, parser):
        parser.add_argument("--dir", help="Folder for the archive (default BACKUP_DIR).")
        parser.add_argument("--keep", type=int, help="Keep only this many newest archives (default BACKUP_KEEP).")
        parser.add_argument("--key", help="Fernet key to encrypt with (default BACKUP_ENCRYPTION_KEY).")
        parser.add_argument("--no-encrypt", action="store_true", help="Write a plain archive even with a key set.")

    def handle(self, *args, **options):
        directory, key, keep = backup_settings()
        directory = Path(options["dir"]) if options["dir"] else directory
        key = None if options["no_encrypt"] else (options["key"] or key)
        keep = options["keep"] if options["keep"] is not None else keep
        try:
            path = backup_create(directory=directory, key=key, keep=keep)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(self.style.SUCCESS(f"Backup written: {path} ({path.stat().st_size} bytes)"))
