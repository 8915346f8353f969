"""Backups: the database (mariadb-dump, or SQLite's online backup) and the media storage in one archive.

An archive is a gzip-compressed tar holding `manifest.json`, the database (`database.sql` for
MySQL/MariaDB, `database.sqlite3` for SQLite) and `media/` (the local upload folder). With a key it
is encrypted as a sequence of Fernet tokens (so large archives never sit in memory whole):

    b"SAASBAK1\\n" + (4-byte big-endian length + Fernet token of up to CHUNK bytes) ...

The database is dumped first in one consistent snapshot (`--single-transaction`; on SQLite, one
read transaction); the media are copied after it, so every file a dumped row references is in the
archive (uploads are written before their row commits) unless it was deleted in between; files
written meanwhile are extras that `delete_orphan_files` removes after a restore.
"""

import gzip
import io
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from pathlib import Path
from urllib.parse import unquote, urlparse

from cryptography.fernet import Fernet, InvalidToken
from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

MAGIC = b"SAASBAK1\n"
CHUNK = 16 * 1024 * 1024
NAME_PREFIX = "backup-"


class BackupError(Exception):
    """A backup or restore could not be done; nothing was changed at the destination."""


def _mysql_args(db: dict) -> tuple[list[str], dict]:
    args = ["--host", db.get("HOST") or "127.0.0.1", "--port", str(db.get("PORT") or 3306),
            "--user", db.get("USER") or "root"]
    env = dict(os.environ)
    if db.get("PASSWORD"):
        env["MYSQL_PWD"] = db["PASSWORD"]  # not on the command line, where `ps` would show it
    return args, env


def database_from_url(url: str) -> dict:
    """The few connection settings restore needs, from a DATABASE_URL."""
    parsed = urlparse(url)
    if parsed.scheme in ("mysql", "mariadb"):
        return {"ENGINE": "django.db.backends.mysql", "NAME": parsed.path.lstrip("/"), "HOST": parsed.hostname,
                "PORT": parsed.port, "USER": unquote(parsed.username or ""),
                "PASSWORD": unquote(parsed.password or "")}
    if parsed.scheme == "sqlite":
        return {"ENGINE": "django.db.backends.sqlite3", "NAME": unquote(parsed.path)[1:] or parsed.netloc}
    raise BackupError(f"Unsupported database URL scheme: {parsed.scheme}")


def _is_mysql(db: dict) -> bool:
    return db["ENGINE"].endswith("mysql")


def _dump_database(workdir: Path) -> str:
    db = settings.DATABASES["default"]
    if _is_mysql(db):
        target = workdir / "database.sql"
        args, env = _mysql_args(db)
        command = ["mariadb-dump", *args, "--single-transaction", "--quick", "--routines", "--triggers",
                   "--hex-blob", "--default-character-set=utf8mb4", "--no-tablespaces", db["NAME"]]
        with target.open("wb") as out:
            result = subprocess.run(command, stdout=out, stderr=subprocess.PIPE, env=env, check=False)  # noqa: S603
        if result.returncode != 0:
            raise BackupError(f"mariadb-dump failed: {result.stderr.decode(errors='replace').strip()}")
        return target.name
    # SQLite (the embedded mode): dump the schema and rows as SQL inside one read transaction (a
    # consistent snapshot), then load them into a fresh file. The online backup API would wait forever
    # (retrying) while another connection holds a lock.
    target = workdir / "database.sqlite3"
    with transaction.atomic():
        connection.ensure_connection()
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1 FROM sqlite_master LIMIT 1")  # take the read lock now
        script = "\n".join(connection.connection.iterdump())
    destination = sqlite3.connect(target)
    try:
        destination.executescript(script)
    finally:
        destination.close()
    return target.name


def _media_root() -> Path | None:
    if settings.STORAGES["default"]["BACKEND"].endswith("FileSystemStorage"):
        return Path(settings.MEDIA_ROOT)
    return None  # S3 keeps its own versions; the archive says so in its manifest


def _encrypting_writer(path: Path, key: str):
    fernet = Fernet(key.encode())

    class Writer(io.RawIOBase):
        def __init__(self):
            self.file = path.open("wb")
            self.file.write(MAGIC)
            self.buffer = bytearray()

        def writable(self):
            return True

        def write(self, data):
            self.buffer += data
            while len(self.buffer) >= CHUNK:
                self._flush_chunk(bytes(self.buffer[:CHUNK]))
                del self.buffer[:CHUNK]
            return len(data)

        def _flush_chunk(self, chunk: bytes):
            token = fernet.encrypt(chunk)
            self.file.write(len(token).to_bytes(4, "big") + token)

        def close(self):
            if not self.closed:
                if self.buffer:
                    self._flush_chunk(bytes(self.buffer))
                self.file.close()
            super().close()

    return Writer()


def _decrypt_to(path: Path, key: str | None, target: Path) -> None:
    with path.open("rb") as source:
        if source.read(len(MAGIC)) != MAGIC:
            shutil.copyfile(path, target)  # not encrypted
            return
        if not key:
            raise BackupError("This backup is encrypted: set BACKUP_ENCRYPTION_KEY (or pass --key).")
        fernet = Fernet(key.encode())
        with target.open("wb") as out:
            while header := source.read(4):
                token = source.read(int.from_bytes(header, "big"))
                try:
                    out.write(fernet.decrypt(token))
                except InvalidToken as exc:
                    raise BackupError("The key does not open this backup (or the file is damaged).") from exc


def backup_create(*, directory: Path, key: str | None = None, keep: int | None = None) -> Path:
    """Write one archive into `directory` and return its path; with `keep`, delete all but the newest."""
    directory.mkdir(parents=True, exist_ok=True)
    stamp = timezone.now().strftime("%Y%m%dT%H%M%S%fZ")
    name = f"{NAME_PREFIX}{stamp}.tar.gz" + (".enc" if key else "")
    final = directory / name
    partial = directory / f".{name}.partial"
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        database_file = _dump_database(workdir)
        media = _media_root()
        manifest = {
            "format": 1, "created_at": timezone.now().isoformat(),
            "engine": settings.DATABASES["default"]["ENGINE"], "database_file": database_file,
            "media": "media/" if media is not None else None, "encrypted": bool(key),
        }
        raw = _encrypting_writer(partial, key) if key else partial.open("wb")
        try:
            with gzip.GzipFile(fileobj=raw, mode="wb", mtime=0) as zipped, \
                    tarfile.open(fileobj=zipped, mode="w") as tar:
                data = json.dumps(manifest, indent=2).encode()
                info = tarfile.TarInfo("manifest.json")
                info.size = len(data)
                tar.addfile(info, io.BytesIO(data))
                tar.add(workdir / database_file, arcname=database_file)
                if media is not None and media.exists():
                    tar.add(media, arcname="media")
        except BaseException:
            raw.close()
            partial.unlink(missing_ok=True)
            raise
        raw.close()
    partial.rename(final)  # a crash leaves a hidden .partial, never a truncated archive under a real name
    if keep:
        backup_prune(directory=directory, keep=keep)
    return final


def backup_list(directory: Path) -> list[Path]:
    """The archives in `directory`, newest first."""
    return sorted((p for p in directory.glob(f"{NAME_PREFIX}*.tar.gz*") if p.is_file()), reverse=True)


def backup_prune(*, directory: Path, keep: int) -> list[Path]:
    """Delete all but the `keep` newest archives; return the deleted ones."""
    removed = backup_list(directory)[keep:]
    for path in removed:
        path.unlink()
    return removed


def _safe_members(tar: tarfile.TarFile) -> list[tarfile.TarInfo]:
    members = []
    for member in tar.getmembers():
        name = Path(member.name)
        if name.is_absolute() or ".." in name.parts or not (member.isfile() or member.isdir()):
            raise BackupError(f"Refusing an unsafe path in the archive: {member.name}")
        members.append(member)
    return members


def backup_restore(*, archive: Path, key: str | None = None, database: dict | None = None,
                   media_root: Path | None = None) -> dict:
    """Load an archive into `database` (default: the configured one) and `media_root`; return its manifest."""
    database = database or settings.DATABASES["default"]
    media_root = media_root or Path(settings.MEDIA_ROOT)
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        plain = workdir / "archive.tar.gz"
        _decrypt_to(archive, key, plain)
        try:
            with tarfile.open(plain, mode="r:gz") as tar:
                tar.extractall(workdir / "x", members=_safe_members(tar), filter="data")
        except (tarfile.TarError, OSError, EOFError) as exc:
            raise BackupError(f"The archive cannot be read: {exc}") from exc
        root = workdir / "x"
        manifest = json.loads((root / "manifest.json").read_text())
        source = root / manifest["database_file"]
        if manifest["database_file"] == "database.sql":
            if not _is_mysql(database):
                raise BackupError("This backup holds a MySQL/MariaDB dump; restore it into MySQL/MariaDB.")
            args, env = _mysql_args(database)
            with source.open("rb") as sql:
                result = subprocess.run(["mariadb", *args, "--default-character-set=utf8mb4", database["NAME"]],  # noqa: S603, S607
                                        stdin=sql, stderr=subprocess.PIPE, env=env, check=False)
            if result.returncode != 0:
                raise BackupError(f"mariadb failed: {result.stderr.decode(errors='replace').strip()}")
        else:
            if _is_mysql(database):
                raise BackupError("This backup holds a SQLite database; restore it into SQLite.")
            shutil.copyfile(source, database["NAME"])
        if manifest.get("media") and (root / "media").exists():
            media_root.mkdir(parents=True, exist_ok=True)
            shutil.copytree(root / "media", media_root, dirs_exist_ok=True)
    return manifest


def backup_settings() -> tuple[Path, str | None, int]:
    return Path(settings.BACKUP_DIR), settings.BACKUP_ENCRYPTION_KEY or None, settings.BACKUP_KEEP


def backup_run_scheduled() -> Path:
    """The daily job: one archive with the configured key, keeping BACKUP_KEEP copies."""
    directory, key, keep = backup_settings()
    return backup_create(directory=directory, key=key, keep=keep)

