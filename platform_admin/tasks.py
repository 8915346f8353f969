from celery import shared_task

from platform_admin.services import stored_files_cleanup


@shared_task
def delete_orphan_files() -> int:
    """Daily housekeeping: remove uploads whose rows were rolled back."""
    return len(stored_files_cleanup())
