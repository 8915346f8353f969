"""Uploaded files: checked by content and size, stored under random names, served as attachments."""

import datetime
import mimetypes
import os
import uuid

import filetype
from django.conf import settings
from django.http import FileResponse
from django.utils import timezone

from tenancy.exceptions import ServiceError

IMAGE_AND_PDF = {"application/pdf", "image/png", "image/jpeg"}
DOCUMENTS = IMAGE_AND_PDF | {
    "image/gif", "image/webp", "application/zip", "text/plain", "text/csv",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
# Formats without magic bytes: accepted only if the content decodes as text.
TEXT_TYPES = {"text/plain", "text/csv"}


def _looks_like_text(head: bytes) -> bool:
    if b"\x00" in head:
        return False
    try:
        head.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def validate_upload(upload, *, allowed_types: set[str], max_bytes: int | None = None, field: str = "file") -> str:
    """Return the detected content type, or refuse a file whose bytes are not an allowed type."""
    max_bytes = max_bytes or settings.MAX_UPLOAD_MB * 1024 * 1024
    if upload is None:
        raise ServiceError("Attach a file.", code="file_required", fields={field: ["This field is required."]})
    if upload.size == 0:
        raise ServiceError("The file is empty.", code="file_empty", fields={field: ["The file is empty."]})
    if upload.size > max_bytes:
        raise ServiceError(f"The file is larger than {max_bytes // (1024 * 1024)} MB.", code="file_too_large",
                           fields={field: ["The file is too large."]})
    upload.seek(0)
    head = upload.read(8192)
    upload.seek(0)
    kind = filetype.guess(head)
    detected = kind.mime if kind is not None else None
    if detected is None:
        guessed = mimetypes.guess_type(upload.name or "")[0]
        if guessed in TEXT_TYPES and guessed in allowed_types and _looks_like_text(head):
            detected = guessed
    if detected not in allowed_types:
        raise ServiceError("This type of file is not accepted.", code="file_type_not_allowed",
                           fields={field: [f"Accepted: {', '.join(sorted(allowed_types))}."]})
    return detected


def random_name(prefix: str, original_name: str, content_type: str) -> str:
    """Return a storage path that reveals nothing and cannot collide: prefix/<uuid><ext>."""
    ext = mimetypes.guess_extension(content_type) or os.path.splitext(original_name)[1][:10]
    return f"{prefix}/{uuid.uuid4().hex}{ext or ''}"


def attachment_response(file_field, *, filename: str, content_type: str | None = None) -> FileResponse:
    """Stream a stored file as a download (never inline, never from a public URL)."""
    file_field.open("rb")
    response = FileResponse(file_field, as_attachment=True, filename=filename,
                            content_type=content_type or "application/octet-stream")
    response["X-Content-Type-Options"] = "nosniff"
    return response


def _walk(storage, folder: str):
    directories, files = storage.listdir(folder)
    for name in files:
        yield f"{folder}/{name}"
    for directory in directories:
        yield from _walk(storage, f"{folder}/{directory}")


def orphan_files_delete(*, storage, folder: str, referenced: set[str], older_than: datetime.timedelta,
                        keep=lambda path: False) -> list[str]:
    """Delete the files under `folder` that no row references and that are older than `older_than`.

    A service stores a file before its row commits; when a caller's transaction rolls back after that,
    the file is left without a row. The age margin keeps files whose rows are still being written.
    """
    if not storage.exists(folder):
        return []
    cutoff = timezone.now() - older_than
    deleted = []
    for path in _walk(storage, folder):
        if path in referenced or keep(path) or storage.get_modified_time(path) >= cutoff:
            continue
        storage.delete(path)
        deleted.append(path)
    return deleted
