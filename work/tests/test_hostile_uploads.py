"""A hostile-upload set (generated files): nothing dangerous is stored under a dangerous name or served.

Every file is uploaded as a task attachment through the API. A refused file is a 400 with a code and no
row; an accepted one must come back as a download whose name ends in the detected type's extension,
carries no control or direction characters, and whose type is an image, a PDF or opaque bytes.
"""

import io
import re
import unicodedata
import zipfile
import zlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from tenancy.files import pdf_build
from work.models import Attachment

SAFE_TYPES = {"image/png", "image/jpeg", "image/gif", "image/webp", "application/pdf", "application/octet-stream"}
SAFE_EXTENSIONS = (".png", ".jpg", ".gif", ".webp", ".pdf", ".zip", ".txt", ".csv", ".docx", ".xlsx", ".bin")
DANGEROUS = re.compile(r"\.(html?|xhtml|svg|php\d?|phtml|exe|js|mjs|jsp|asp|aspx|bat|cmd|sh|hta|xml|swf|scr|com|"
                       r"msi|dll|vbs|jar|py)$", re.IGNORECASE)


def _image(fmt: str, size=(8, 8)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(out, format=fmt)
    return out.getvalue()


PNG, JPEG, GIF = _image("PNG"), _image("JPEG"), _image("GIF")
HTML = b"<!doctype html><html><body><script>alert(document.cookie)</script></body></html>"


def _pdf(*objects: bytes, root: int = 1) -> bytes:
    return pdf_build(list(objects), root=root, header=b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")


def _page_pdf(catalog_extra: b"" = b"", page_extra: bytes = b"", *more: bytes) -> bytes:
    return _pdf(
        b"<< /Type /Catalog /Pages 2 0 R " + catalog_extra + b" >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] " + page_extra + b" >>",
        *more,
    )


CLEAN_PDF = _page_pdf()
JS = b"<< /S /JavaScript /JS (app.alert\\(1\\)) >>"


def _png_with_chunk(kind: bytes, data: bytes) -> bytes:
    chunk = len(data).to_bytes(4, "big") + kind + data + zlib.crc32(kind + data).to_bytes(4, "big")
    return PNG[:33] + chunk + PNG[33:]


def _zip(name="a.txt", data=b"hello") -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr(name, data)
    return out.getvalue()


# (name, bytes, must be refused)
NAMES = [
    "evil.html", "shell.php", "x.png\x00.html", "invoice\u202egnp.exe", "../../etc/passwd", "..\\..\\boot.ini",
    "a" * 300 + ".png", "\u200b\u200dzero-width.png", ".htaccess", "x.PNG.HTML", "photo.svg", "CON", "",
    "report\r\nSet-Cookie: x=1.png", "\u0000\u0000.png", "tab\there.jpg", "emoji \U0001f600.png", "Ünïcödé.png",
    "quote\"name'.png", "semi;colon.png", "%2e%2e%2fencoded.png", "x.png.js", "\u2066isolate\u2069.png",
]
CASES = [(f"png-named-{i}", name, PNG, False) for i, name in enumerate(NAMES)]
CASES += [(f"jpeg-named-{i}", name, JPEG, False) for i, name in enumerate(NAMES[:6])]
CASES += [
    ("html-as-png", "pic.png", HTML, True),
    ("html-as-txt", "notes.txt", HTML, False),  # accepted as text, served only as opaque bytes
    ("html-as-html", "page.html", HTML, True),
    ("svg-script", "logo.svg", b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>', True),
    ("png-plus-html", "poly.png", PNG + HTML, True),
    ("png-plus-zip", "poly.png", PNG + _zip(), True),
    ("png-script-in-text-chunk", "meta.png", _png_with_chunk(b"tEXt", b"Comment\x00<script>alert(1)</script>"), True),
    ("png-trailing-bytes", "tail.png", PNG + b"\x00" * 32 + b"trailer", True),
    ("jpeg-plus-html", "poly.jpg", JPEG + HTML, True),
    ("jpeg-plus-php", "poly.jpg", JPEG + b"<?php system($_GET['c']); ?>", True),
    ("gif-plus-js", "poly.gif", GIF + b"*/=alert(1);//<script>", True),
    ("truncated-png", "half.png", PNG[:40], True),
    ("pdf-clean", "proof.pdf", CLEAN_PDF, False),
    ("pdf-clean-named-html", "proof.html", CLEAN_PDF, False),
    ("pdf-openaction-js", "a.pdf", _page_pdf(b"/OpenAction 4 0 R", b"", JS), True),
    ("pdf-names-javascript", "b.pdf", _page_pdf(b"/Names << /JavaScript 4 0 R >>", b"", b"<< /Names [(x) 5 0 R] >>",
                                                JS), True),
    ("pdf-hex-escaped-names", "c.pdf", _page_pdf(b"/Open#41ction << /S /Java#53cript /J#53 (app.alert\\(1\\)) >>"),
     True),
    ("pdf-launch", "d.pdf", _page_pdf(b"/OpenAction << /S /Launch /F (cmd.exe) >>"), True),
    ("pdf-page-aa", "e.pdf", _page_pdf(b"", b"/AA << /O 4 0 R >>", JS), True),
    ("pdf-embedded-file", "f.pdf", _page_pdf(b"/Names << /EmbeddedFiles << /Names [(x.exe) 4 0 R] >> >>", b"",
                                             b"<< /Type /Filespec /F (x.exe) >>"), True),
    ("pdf-submitform", "g.pdf", _page_pdf(b"/AcroForm << /Fields [] >> /OpenAction << /S /SubmitForm >>"), True),
    ("pdf-xfa", "h.pdf", _page_pdf(b"/AcroForm << /XFA 4 0 R >>", b"", b"<< >>"), True),
    ("pdf-garbage", "i.pdf", b"%PDF-1.4\n" + b"\x00garbage" * 50, True),
    ("exe", "setup.png", b"MZ\x90\x00" + b"\x00" * 200, True),
    ("elf", "run.txt", b"\x7fELF" + b"\x00" * 200, True),
    ("zip", "bundle.zip", _zip(), False),
    ("zip-named-html", "bundle.html", _zip("index.html", HTML), False),
    ("csv-formula", "data.csv", b'name,total\n=HYPERLINK("http://evil"),1\n', False),
]
assert len(CASES) >= 50


def _disposition_name(header: str) -> str:
    match = re.search(r"filename\*=utf-8''([^;]+)", header) or re.search(r'filename="([^"]*)"', header)
    from urllib.parse import unquote

    return unquote(match.group(1))


@pytest.mark.parametrize("case, name, data, refused", CASES, ids=[case[0] for case in CASES])
def test_hostile_upload(api, member, task, case, name, data, refused):
    client = api(member)
    upload = SimpleUploadedFile(name or "x", data, content_type="image/png")
    response = client.post(f"/api/tasks/{task.pk}/attachments/", {"file": upload}, format="multipart")
    if refused:
        assert response.status_code == 400, (case, response.content)
        assert response.json()["code"] in ("file_unsafe", "file_invalid", "file_type_not_allowed")
        assert not Attachment.objects.filter(task=task).exists()
        return
    assert response.status_code == 201, (case, response.content)
    stored = Attachment.objects.get(pk=response.json()["id"])
    assert stored.original_name == response.json()["original_name"]
    for shown in (stored.original_name, stored.file.name):
        assert shown.endswith(SAFE_EXTENSIONS) and not DANGEROUS.search(shown), (case, shown)
        assert all(unicodedata.category(char) not in ("Cc", "Cf", "Zl", "Zp") for char in shown), (case, shown)
        assert "/" not in shown.rsplit("attachments/", 1)[-1] and ".." not in shown

    download = client.get(f"/api/tasks/{task.pk}/attachments/{stored.pk}/download/")
    assert download.status_code == 200
    assert download["Content-Type"] in SAFE_TYPES, (case, download["Content-Type"])
    assert download["Content-Disposition"].startswith("attachment")
    assert download["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in download["Content-Security-Policy"]
    served_name = _disposition_name(download["Content-Disposition"])
    assert served_name == stored.original_name and not DANGEROUS.search(served_name)
    body = b"".join(download.streaming_content)
    if download["Content-Type"].startswith("image/"):
        assert b"<script" not in body.lower() and b"<html" not in body.lower()
    if download["Content-Type"] not in ("application/pdf",) and not download["Content-Type"].startswith("image/"):
        assert download["Content-Type"] == "application/octet-stream"


def test_names_are_rebuilt_from_a_safe_stem_and_the_detected_type():
    from tenancy.files import safe_filename

    assert safe_filename("invoice\u202egnp.exe", "image/png") == "invoicegnp.png"
    assert safe_filename("x.png\x00.html", "image/png") == "x_png.png"
    assert safe_filename("../../etc/passwd", "text/plain") == "passwd.txt"
    assert safe_filename("evil.html", "application/octet-stream") == "evil.bin"
    assert safe_filename("", "application/pdf") == "file.pdf"
    assert len(safe_filename("a" * 300 + ".png", "image/png")) == 104
