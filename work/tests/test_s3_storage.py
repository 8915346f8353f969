"""S3 for real: moto's standalone S3 server on a local port, django-storages' S3Storage, private objects only.

A payment proof and a task attachment are uploaded, downloaded (proxied by our views) and deleted
through the real storage backend; /health/ready/ reports the storage and fails when S3 is gone.
"""

import socket

import boto3
import pytest
import requests
from moto.server import ThreadedMotoServer

from billing.models import Payment
from billing.tests.factories import manual_invoice, payment_body
from work.models import Attachment

pytestmark = pytest.mark.django_db
BUCKET = "saas-test-uploads"
KEYS = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing", "region_name": "us-east-1"}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def s3(settings):
    """Start moto's S3 server for this test, point the default storage at it, stop it afterwards."""
    port = _free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    endpoint = f"http://127.0.0.1:{port}"
    client = boto3.client("s3", endpoint_url=endpoint, **KEYS)
    client.create_bucket(Bucket=BUCKET)
    settings.STORAGES = {**settings.STORAGES, "default": {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {"bucket_name": BUCKET, "endpoint_url": endpoint, "access_key": "testing",
                    "secret_key": "testing", "region_name": "us-east-1", "default_acl": None,
                    "querystring_auth": True, "file_overwrite": False},
    }}
    try:
        yield {"client": client, "endpoint": endpoint, "server": server}
    finally:
        server.stop()


def _keys(client) -> set[str]:
    return {item["Key"] for item in client.list_objects_v2(Bucket=BUCKET).get("Contents", [])}


def _assert_private(s3, key: str) -> None:
    grants = s3["client"].get_object_acl(Bucket=BUCKET, Key=key)["Grants"]
    assert not [g for g in grants if "AllUsers" in g["Grantee"].get("URI", "")
                or "AuthenticatedUsers" in g["Grantee"].get("URI", "")]
    assert requests.get(f"{s3['endpoint']}/{BUCKET}/{key}", timeout=10).status_code == 403  # no public URL


def test_payment_proof_upload_download_delete(s3, api, tenant, tenant_admin):
    invoice = manual_invoice(tenant)
    response = api(tenant_admin).post("/api/subscriptions/payments/", payment_body(invoice), format="multipart")
    assert response.status_code == 201, response.json()
    payment = Payment.objects.get(pk=response.json()["id"])
    assert _keys(s3["client"]) == {payment.proof.name}
    stored = s3["client"].get_object(Bucket=BUCKET, Key=payment.proof.name)["Body"].read()
    assert stored.startswith(b"%PDF-")
    _assert_private(s3, payment.proof.name)

    download = api(tenant_admin).get(f"/api/subscriptions/payments/{payment.pk}/proof/")
    assert download.status_code == 200 and b"".join(download.streaming_content) == stored

    payment.proof.delete(save=False)
    assert _keys(s3["client"]) == set()


def test_attachment_upload_download_delete(s3, api, task, member, django_capture_on_commit_callbacks):
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile("notes.txt", b"meeting notes", content_type="text/plain")
    response = api(member).post(f"/api/tasks/{task.pk}/attachments/", {"file": upload}, format="multipart")
    assert response.status_code == 201, response.json()
    attachment = Attachment.objects.get(pk=response.json()["id"])
    assert _keys(s3["client"]) == {attachment.file.name}
    _assert_private(s3, attachment.file.name)

    download = api(member).get(f"/api/tasks/{task.pk}/attachments/{attachment.pk}/download/")
    assert download.status_code == 200 and b"".join(download.streaming_content) == b"meeting notes"

    with django_capture_on_commit_callbacks(execute=True):
        response = api(member).delete(f"/api/tasks/{task.pk}/attachments/{attachment.pk}/")
    assert response.status_code == 204
    assert _keys(s3["client"]) == set()


def test_readiness_reports_the_storage(s3, client):
    response = client.get("/health/ready/")
    assert response.status_code == 200 and response.json()["checks"]["storage"] == "ok"
    s3["client"].delete_bucket(Bucket=BUCKET)
    response = client.get("/health/ready/")
    assert response.status_code == 503
    assert response.json()["checks"]["storage"].startswith("error")
