"""Orphaned uploads (left by rolled-back writes) are deleted; referenced and fresh files stay."""

import datetime
import os

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import call_command
from django_celery_beat.models import PeriodicTask

from billing.tests.factories import issued_invoice, submitted_payment
from platform_admin.services import stored_files_cleanup

pytestmark = pytest.mark.django_db


def _store(path: str, *, days_old: int) -> str:
    name = default_storage.save(path, ContentFile(b"%PDF-1.4 orphan"))
    stamp = (datetime.datetime.now() - datetime.timedelta(days=days_old)).timestamp()
    os.utime(default_storage.path(name), (stamp, stamp))
    return name


def test_only_old_unreferenced_uploads_are_deleted(tenant, settings):
    payment = submitted_payment(invoice=issued_invoice(tenant=tenant))
    kept_proof = payment.proof.name
    os.utime(default_storage.path(kept_proof), (0, 0))  # old, but its row exists
    orphan_proof = _store(f"payment-proofs/{tenant.pk}/orphan.pdf", days_old=2)
    fresh_orphan = _store(f"payment-proofs/{tenant.pk}/fresh.pdf", days_old=0)
    orphan_attachment = _store(f"tenants/{tenant.pk}/attachments/orphan.txt", days_old=2)
    not_an_attachment = _store(f"tenants/{tenant.pk}/logo/logo.png", days_old=2)

    deleted = stored_files_cleanup(older_than=datetime.timedelta(hours=6))

    assert sorted(deleted) == sorted([orphan_proof, orphan_attachment])
    assert default_storage.exists(kept_proof) and default_storage.exists(fresh_orphan)
    assert default_storage.exists(not_an_attachment)
    assert not default_storage.exists(orphan_proof) and not default_storage.exists(orphan_attachment)


def test_the_command_and_the_daily_job(tenant, capsys):
    _store(f"payment-proofs/{tenant.pk}/orphan.pdf", days_old=2)
    call_command("delete_orphan_files", hours=1)
    assert "1 orphaned file(s) deleted" in capsys.readouterr().out
    job = PeriodicTask.objects.get(name="platform: delete orphaned uploads")
    assert job.task == "platform_admin.tasks.delete_orphan_files" and job.enabled


def test_nothing_stored_yet_is_fine(db):
    assert stored_files_cleanup() == []
