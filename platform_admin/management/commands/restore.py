from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from platform_admin.backup import BackupError, backup_restore, backup_settings, database_from_url


class Command(BaseCommand):
    help = "Load a backup archive into a database (default: the configured one) and the media folder."

    def add_arguments(self, parser):
        parser.add_argument("archive", help="The archive written by `manage.py backup`.")
        parser.add_argument("--database-url", help="Restore into this database instead (e.g. a fresh one).")
        parser.add_argument("--media-root", help="Restore the media here instead of MEDIA_ROOT.")
        parser.add_argument("--key", help="Fernet key of an encrypted archive (default BACKUP_ENCRYPTION_KEY).")
        parser.add_argument("--yes", action="store_true", help="Do not ask before overwriting.")

    def handle(self, *args, **options):
        archive = Path(options["archive"])
        if not archive.is_file():
            raise CommandError(f"No such archive: {archive}")
        database = database_from_url(options["database_url"]) if options["database_url"] else None
        target = options["database_url"] or "the configured database"
        if not options["yes"] and input(f"Overwrite {target} and the media with {archive.name}? [y/N] ") != "y":
            raise CommandError("Cancelled.")
        key = options["key"] or backup_settings()[1]
        try:
            manifest = backup_restore(archive=archive, key=key, database=database,
                                      media_root=Path(options["media_root"]) if options["media_root"] else None)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(self.style.SUCCESS(f"Restored the backup of {manifest['created_at']} into {target}."))
