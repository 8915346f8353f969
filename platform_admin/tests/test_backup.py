"""manage.py backup / restore: a consistent, compressed, optionally encrypted archive that restores whole."""

import hashlib
import sqlite3
import uuid
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import CommandError, call_command
from django.db import connection

from billing.tests.factories import issued_invoice
from platform_admin.backup import (
    MAGIC,
    BackupError,
    backup_create,
    backup_list,
    backup_restore,
    database_from_url,
)
from tenancy.tests.factories import TenantFactory, UserFactory

INVOICE_SQL = "SELECT id, number, status, total, tenant_id FROM billing_invoice ORDER BY id"


def _checksum(rows) -> str:
    return hashlib.sha256("\n".join("|".join(str(v) for v in row) for row in rows).encode()).hexdigest()


def _source_counts() -> dict:
    counts = {}
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            cursor.execute(f"SELECT COUNT(*) FROM {connection.ops.quote_name(table)}")
            counts[table] = cursor.fetchone()[0]
        cursor.execute(INVOICE_SQL)
        return counts | {"__invoices__": _checksum(cursor.fetchall())}


def _world():
    tenant = TenantFactory(contact_phone="+1 555 0100")
    UserFactory(tenant=tenant)
    for _ in range(3):
        issued_invoice(tenant=tenant)
    default_storage.save("attachments/backup-probe.txt", ContentFile(b"kept across the restore"))
    return tenant


@pytest.mark.django_db(transaction=True)
def test_backup_and_restore_sqlite_compare_every_table_and_the_invoices(tmp_path, settings):
    if connection.vendor != "sqlite":
        pytest.skip("the SQLite variant; MariaDB has its own test below")
    _world()
    key = Fernet.generate_key().decode()
    archive = backup_create(directory=tmp_path / "backups", key=key)
    assert archive.name.endswith(".tar.gz.enc") and archive.read_bytes().startswith(MAGIC)
    assert b"INSERT" not in archive.read_bytes() and b"CREATE TABLE" not in archive.read_bytes()
    expected = _source_counts()
    target = tmp_path / "restored.sqlite3"
    media = tmp_path / "restored-media"
    manifest = backup_restore(archive=archive, key=key, database={"ENGINE": "django.db.backends.sqlite3",
                                                                  "NAME": str(target)}, media_root=media)
    assert manifest["encrypted"] is True and manifest["database_file"] == "database.sqlite3"
    restored = sqlite3.connect(target)
    try:
        for table, count in expected.items():
            if table != "__invoices__":
                assert restored.execute(f'SELECT COUNT(*) FROM "{table}"').fetchone()[0] == count, table
        assert _checksum(restored.execute(INVOICE_SQL).fetchall()) == expected["__invoices__"]
        assert expected["billing_invoice"] == 3
    finally:
        restored.close()
    assert (media / "attachments" / "backup-probe.txt").read_bytes() == b"kept across the restore"


@pytest.mark.django_db(transaction=True)
def test_the_wrong_key_and_a_missing_key_are_refused(tmp_path):
    if connection.vendor != "sqlite":
        pytest.skip("SQLite archive")
    archive = backup_create(directory=tmp_path, key=Fernet.generate_key().decode())
    target = {"ENGINE": "django.db.backends.sqlite3", "NAME": str(tmp_path / "t.sqlite3")}
    with pytest.raises(BackupError, match="does not open"):
        backup_restore(archive=archive, key=Fernet.generate_key().decode(), database=target, media_root=tmp_path)
    with pytest.raises(BackupError, match="encrypted"):
        backup_restore(archive=archive, key=None, database=target, media_root=tmp_path)
    assert not Path(target["NAME"]).exists()
    damaged = tmp_path / "backup-damaged.tar.gz"
    damaged.write_bytes(b"not a tar at all")
    with pytest.raises(BackupError, match="cannot be read"):
        backup_restore(archive=damaged, key=None, database=target, media_root=tmp_path)


@pytest.mark.django_db(transaction=True)
def test_the_command_keeps_n_copies_and_restore_asks_first(tmp_path, monkeypatch):
    if connection.vendor != "sqlite":
        pytest.skip("SQLite archive")
    for _ in range(4):
        call_command("backup", dir=str(tmp_path), keep=2, no_encrypt=True, stdout=open("/dev/null", "w"))  # noqa: SIM115
    archives = backup_list(tmp_path)
    assert len(archives) == 2 and all(p.name.endswith(".tar.gz") for p in archives)
    assert not list(tmp_path.glob(".*partial"))
    monkeypatch.setattr("builtins.input", lambda prompt: "n")
    with pytest.raises(CommandError, match="Cancelled"):
        call_command("restore", str(archives[0]), database_url=f"sqlite:///{tmp_path}/x.sqlite3")
    with pytest.raises(CommandError, match="No such archive"):
        call_command("restore", str(tmp_path / "nope.tar.gz"), yes=True)


def test_the_daily_backup_is_scheduled(db):
    from django_celery_beat.models import PeriodicTask

    task = PeriodicTask.objects.get(name="platform: daily backup")
    assert task.task == "platform_admin.tasks.run_backup" and task.enabled
    assert (task.crontab.hour, task.crontab.minute) == ("3", "30")


@pytest.mark.mariadb
@pytest.mark.django_db(transaction=True)
def test_backup_restores_into_a_fresh_mariadb_database_with_equal_rows_and_invoices(tmp_path):
    import MySQLdb

    _world()
    key = Fernet.generate_key().decode()
    archive = backup_create(directory=tmp_path, key=key)
    expected = _source_counts()
    db = settings.DATABASES["default"]
    fresh = f"restore_{uuid.uuid4().hex[:12]}"
    params = {"host": db["HOST"] or "127.0.0.1", "port": int(db["PORT"] or 3306), "user": db["USER"] or "root",
              "passwd": db["PASSWORD"] or ""}
    admin = MySQLdb.connect(**params)
    admin.cursor().execute(f"CREATE DATABASE {fresh} CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci")
    try:
        url = f"mysql://{params['user']}:{params['passwd']}@{params['host']}:{params['port']}/{fresh}"
        backup_restore(archive=archive, key=key, database=database_from_url(url), media_root=tmp_path / "media")
        restored = MySQLdb.connect(db=fresh, **params)
        cursor = restored.cursor()
        for table, count in expected.items():
            if table != "__invoices__":
                cursor.execute(f"SELECT COUNT(*) FROM `{table}`")
                assert cursor.fetchone()[0] == count, table
        cursor.execute(INVOICE_SQL)
        assert _checksum(cursor.fetchall()) == expected["__invoices__"]
        assert expected["billing_invoice"] == 3
        restored.close()
    finally:
        admin.cursor().execute(f"DROP DATABASE IF EXISTS {fresh}")
        admin.close()
