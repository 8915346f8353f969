from celery import shared_task

from platform_admin.backup import backup_run_scheduled
from platform_admin.services import stored_files_cleanup


@shared_task
def delete_orphan_files() -> int:
    """Daily housekeeping: remove uploads whose rows were rolled back."""
    return len(stored_files_cleanup())


@shared_task(acks_late=True)
def run_backup() -> str:
    """Daily: archive the database and the media, keeping BACKUP_KEEP copies."""
    return str(backup_run_scheduled())
