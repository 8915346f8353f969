"""Uploaded files: checked by content and size, stored under random names, served as attachments.

An upload is accepted only when its bytes are an allowed type and cannot hurt whoever opens it: PDFs
with active content (JavaScript, automatic or launch actions, embedded files, forms that submit) and
images that are also something else (HTML, script or an archive glued to a PNG) are refused. The name
shown and downloaded is rebuilt from a cleaned stem and the detected type's extension; only images
and PDFs are served with their own type, everything else as `application/octet-stream`.
"""

import datetime
import io
import mimetypes
import os
import re
import subprocess
import tempfile
import unicodedata
import uuid

import filetype
from django.conf import settings
from django.http import FileResponse, HttpResponse
from django.utils import timezone

from tenancy.exceptions import ServiceError

IMAGE_TYPES = {"image/png", "image/jpeg", "image/gif", "image/webp"}
IMAGE_AND_PDF = {"application/pdf", "image/png", "image/jpeg"}
DOCUMENTS = IMAGE_AND_PDF | {
    "image/gif", "image/webp", "application/zip", "text/plain", "text/csv",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
# Formats without magic bytes: accepted only if the content decodes as text.
TEXT_TYPES = {"text/plain", "text/csv"}
# The only types served with their own Content-Type; the rest is application/octet-stream.
SERVED_AS_IS = IMAGE_TYPES | {"application/pdf"}
EXTENSIONS = {
    "application/pdf": ".pdf", "image/png": ".png", "image/jpeg": ".jpg", "image/gif": ".gif",
    "image/webp": ".webp", "application/zip": ".zip", "text/plain": ".txt", "text/csv": ".csv",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": ".docx",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": ".xlsx",
}
# PDF names that run something or reach out when the file is opened.
PDF_ACTIVE_NAMES = {"/JavaScript", "/JS", "/OpenAction", "/AA", "/Launch", "/EmbeddedFile", "/EmbeddedFiles",
                    "/RichMedia", "/XFA", "/SubmitForm", "/ImportData", "/GoToR", "/GoToE"}
_PDF_ACTIVE = re.compile(rb"/(JavaScript|JS|OpenAction|AA|Launch|EmbeddedFiles?|RichMedia|XFA|SubmitForm|ImportData|"
                         rb"GoToR|GoToE)(?![A-Za-z0-9])")
_PDF_NAME_ESCAPE = re.compile(rb"#([0-9A-Fa-f]{2})")
# Markup that a browser or an interpreter would run if the file were ever sniffed as something else.
# (Long enough that compressed pixels do not contain them by chance; XMP metadata's "<?xml" is allowed.)
_MARKUP = re.compile(rb"<\s*(html|script|svg[\s>/]|iframe|body|head>|object|embed|meta\s|!doctype|\?php)|"
                     rb"javascript:", re.IGNORECASE)
_ARCHIVE_INSIDE = (b"PK\x03\x04", b"Rar!\x1a\x07", b"7z\xbc\xaf\x27\x1c", b"%PDF-")


def _looks_like_text(head: bytes) -> bool:
    if b"\x00" in head:
        return False
    try:
        head.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _refuse(field: str, detail: str, code: str = "file_unsafe"):
    raise ServiceError(detail, code=code, fields={field: [detail]})


def _pdf_check(data: bytes, field: str) -> None:
    """Refuse a PDF with active content, looking both at the raw bytes and at every parsed object."""
    normalized = _PDF_NAME_ESCAPE.sub(lambda match: bytes([int(match.group(1), 16)]), data)
    if _PDF_ACTIVE.search(normalized):
        _refuse(field, "PDFs with scripts, automatic actions or embedded files are not accepted.")
    from pypdf import PdfReader
    from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject

    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted:
            _refuse(field, "Encrypted PDFs are not accepted.")
        pending, seen = [reader.trailer], set()
        while pending and len(seen) < 50_000:
            item = pending.pop()
            if isinstance(item, IndirectObject):
                key = (item.idnum, item.generation)
                if key in seen:
                    continue
                seen.add(key)
                item = item.get_object()
            if isinstance(item, DictionaryObject):
                if PDF_ACTIVE_NAMES & set(item.keys()) or item.get("/S") in PDF_ACTIVE_NAMES:
                    _refuse(field, "PDFs with scripts, automatic actions or embedded files are not accepted.")
                pending.extend(item.values())
            elif isinstance(item, ArrayObject):
                pending.extend(item)
        if len(reader.pages) < 1:
            _refuse(field, "The PDF has no page.", "file_invalid")
    except ServiceError:
        raise
    except Exception:  # noqa: BLE001 - a PDF that our reader cannot parse is not one we pass on
        _refuse(field, "The PDF cannot be read.", "file_invalid")


def _image_check(data: bytes, detected: str, field: str) -> None:
    """Refuse an image that does not fully decode or that carries markup, an archive or trailing data."""
    from PIL import Image

    try:
        with Image.open(io.BytesIO(data)) as image:
            image.verify()
        with Image.open(io.BytesIO(data)) as image:
            image.load()
    except Exception:  # noqa: BLE001 - whatever Pillow refuses is not an image we serve
        _refuse(field, "The image cannot be read.", "file_invalid")
    if _MARKUP.search(data) or any(marker in data[16:] for marker in _ARCHIVE_INSIDE):
        _refuse(field, "The image also contains something that is not an image.")
    if detected == "image/png":
        end = data.rfind(b"IEND")
        if end == -1 or len(data) > end + 8:
            _refuse(field, "The image has data after its end.")
    if detected == "image/gif" and not data.rstrip(b"\x00").endswith(b";"):
        _refuse(field, "The image has data after its end.")


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
    if detected == "application/pdf" or detected in IMAGE_TYPES:
        upload.seek(0)
        data = upload.read()
        upload.seek(0)
        if detected == "application/pdf":
            _pdf_check(data, field)
        else:
            _image_check(data, detected, field)
    return detected


# Control characters, format characters (RTL/LTR overrides, zero-width joiners, BOM), separators.
_UNSAFE_CATEGORIES = {"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"}
_STEM_REFUSED = re.compile(r"[^\w\- ()\[\]+,]", re.UNICODE)


def safe_filename(original_name: str, content_type: str) -> str:
    """Return a name that is safe to store, show and download: a cleaned stem and the type's extension.

    `invoice\u202egnp.exe` -> `invoicegnp_exe.png` (for a PNG), `x.png\x00.html` -> `x_png_html.png`.
    """
    name = unicodedata.normalize("NFKC", original_name or "")
    name = "".join(char for char in name if unicodedata.category(char) not in _UNSAFE_CATEGORIES)
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    stem, _ = os.path.splitext(name)
    stem = _STEM_REFUSED.sub("_", stem.replace(".", "_"))
    stem = re.sub(r"\s+", " ", stem).strip(" _-")[:100].strip(" _-") or "file"
    return f"{stem}{EXTENSIONS.get(content_type, '.bin')}"


def random_name(prefix: str, original_name: str, content_type: str) -> str:
    """Return a storage path that reveals nothing and cannot collide: prefix/<uuid><ext of the type>."""
    return f"{prefix}/{uuid.uuid4().hex}{EXTENSIONS.get(content_type, '.bin')}"


def served_content_type(content_type: str | None) -> str:
    """Images and PDFs keep their type; anything else is served as opaque bytes."""
    return content_type if content_type in SERVED_AS_IS else "application/octet-stream"


def _harden(response):
    response["X-Content-Type-Options"] = "nosniff"
    # Even if a browser rendered it, the file could run nothing and reach nothing.
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "private, no-store"
    return response


def attachment_response(file_field, *, filename: str, content_type: str | None = None,
                        generated: bool = False) -> FileResponse:
    """Stream a stored file as a download (never inline, never from a public URL).

    An upload keeps its type only if it is an image or a PDF; a file we `generated` (an export) keeps its own.
    """
    file_field.open("rb")
    served = content_type if generated and content_type else served_content_type(content_type)
    response = FileResponse(file_field, as_attachment=True, filename=safe_filename(filename, content_type),
                            content_type=served)
    return _harden(response)


PREVIEW_TIMEOUT_SECONDS = 20
PDFTOPPM = "/usr/bin/pdftoppm"  # Debian's poppler-utils


def preview_png(file_field, *, content_type: str, max_pixels: int = 1600) -> bytes:
    """Return a PNG of the file's first page (PDF, rasterised by pdftoppm) or of the re-encoded image.

    Previews are shown inline on the control panel's origin: they are always plain pixels, never a
    document that could carry script.
    """
    from PIL import Image

    file_field.open("rb")
    try:
        data = file_field.read()
    finally:
        file_field.close()
    if content_type == "application/pdf":
        with tempfile.TemporaryDirectory() as folder:
            source = os.path.join(folder, "in.pdf")
            with open(source, "wb") as handle:
                handle.write(data)
            subprocess.run(  # noqa: S603 - fixed arguments; the only input is a file path we created
                [PDFTOPPM, "-f", "1", "-l", "1", "-singlefile", "-png", "-scale-to", str(max_pixels), source,
                 os.path.join(folder, "page")],
                check=True, timeout=PREVIEW_TIMEOUT_SECONDS, capture_output=True,
            )
            with open(os.path.join(folder, "page.png"), "rb") as handle:
                data = handle.read()
    with Image.open(io.BytesIO(data)) as image:
        image.thumbnail((max_pixels, max_pixels))
        out = io.BytesIO()
        image.convert("RGBA" if image.mode in ("RGBA", "LA", "P") else "RGB").save(out, format="PNG")
    return out.getvalue()


def preview_response(png: bytes) -> HttpResponse:
    response = HttpResponse(png, content_type="image/png")
    response["Content-Disposition"] = 'inline; filename="preview.png"'
    return _harden(response)


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


def pdf_build(objects: list[bytes], *, root: int = 1, header: bytes = b"%PDF-1.4\n") -> bytes:
    """Assemble a PDF from numbered object bodies (1, 2, ...), with a correct cross-reference table."""
    out = bytearray(header)
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root %d 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, root, xref)
    return bytes(out)


def minimal_pdf(text: str) -> bytes:
    """Return a small, valid one-page PDF showing `text` (generated receipts, demo data, tests)."""
    safe = text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
    stream = f"BT /F1 16 Tf 72 720 Td ({safe}) Tj ET".encode("latin-1", "replace")
    return pdf_build([
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ])
