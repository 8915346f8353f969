"""A beat scheduler that schedules only while it holds a database lease: start two, one fires."""

import logging
import os
import socket
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, close_old_connections, transaction
from django.db.models import Q
from django.utils import timezone
from django_celery_beat.schedulers import DatabaseScheduler

from ops.models import SchedulerLock

logger = logging.getLogger("ops.beat")

LOCK_NAME = "celery-beat"


def lease_acquire(*, name: str, holder: str, seconds: int) -> bool:
    """Take or renew the named lease for `holder`; False while another live holder has it."""
    now = timezone.now()
    expires_at = now + timedelta(seconds=seconds)
    taken = SchedulerLock.objects.filter(Q(holder=holder) | Q(expires_at__lt=now), name=name).update(
        holder=holder, expires_at=expires_at)
    if taken:
        return True
    try:
        with transaction.atomic():
            SchedulerLock.objects.create(name=name, holder=holder, expires_at=expires_at)
    except IntegrityError:
        return False
    return True


def lease_release(*, name: str, holder: str) -> None:
    SchedulerLock.objects.filter(name=name, holder=holder).delete()


class SingleBeatScheduler(DatabaseScheduler):
    """django-celery-beat's database scheduler, active only in the process holding the beat lease."""

    def __init__(self, *args, **kwargs):
        self.holder = f"{socket.gethostname()}:{os.getpid()}"
        self.is_leader = False
        super().__init__(*args, **kwargs)
        # Each sent job's last_run_at reaches the database at once, so a successor never repeats it.
        self.sync_every_tasks = 1

    def _lead(self) -> bool:
        seconds = settings.CELERY_BEAT_LOCK_SECONDS
        try:
            close_old_connections()
            leading = lease_acquire(name=LOCK_NAME, holder=self.holder, seconds=seconds)
        except Exception as exc:  # noqa: BLE001 - without the database nobody may schedule
            logger.warning("beat: cannot reach the lease (%s); not scheduling", exc)
            leading = False
        if leading and not self.is_leader:
            logger.info("beat: %s holds the beat lease; scheduling", self.holder)
            self._initial_read = True  # reload last_run_at written by the previous holder
            self._heap = None
        elif not leading and self.is_leader:
            logger.warning("beat: %s lost the beat lease; standing by", self.holder)
        elif not leading and not self.is_leader:
            logger.debug("beat: another process holds the beat lease")
        self.is_leader = leading
        return leading

    def tick(self, *args, **kwargs):
        if not self._lead():
            return min(5.0, settings.CELERY_BEAT_LOCK_SECONDS / 3)
        return min(super().tick(*args, **kwargs), settings.CELERY_BEAT_LOCK_SECONDS / 3)

    def close(self):
        if self.is_leader:
            try:
                lease_release(name=LOCK_NAME, holder=self.holder)
            except Exception:  # noqa: BLE001 - the lease expires by itself
                logger.warning("beat: could not release the lease; it expires on its own")
        super().close()
