"""Simultaneous API writes on one object answer 2xx, 404 or 409, never 500 (MariaDB, real row locks)."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from project.testing import run_at_once
from tenancy.models import Role
from tenancy.tests.factories import UserFactory
from work.models import Attachment, Comment, Task, TaskStatus

pytestmark = [pytest.mark.mariadb, pytest.mark.django_db(transaction=True)]

def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (4, 4), (10, 120, 200)).save(out, format="PNG")
    return out.getvalue()


PNG = _png()


def at_once(requests) -> list:
    """Send the requests (callables returning a response) from threads released together; return statuses."""
    return [f"raised {result!r}" if isinstance(result, Exception) else result.status_code
            for result in run_at_once(requests, timeout=90)]


def _only_success_404_409(statuses, success):
    assert all(status in (success, 404, 409) for status in statuses), statuses


@pytest.fixture
def clients(api, member):
    return [api(member) for _ in range(4)]


def test_four_deletes_of_one_attachment(clients, task, attachment):
    url = f"/api/tasks/{task.pk}/attachments/{attachment.pk}/"
    statuses = at_once([lambda c=c: c.delete(url) for c in clients])
    _only_success_404_409(statuses, 204)
    assert statuses.count(204) == 1
    assert not Attachment.objects.filter(pk=attachment.pk).exists()


def test_four_deletes_of_one_comment(clients, task, comment):
    url = f"/api/tasks/{task.pk}/comments/{comment.pk}/"
    statuses = at_once([lambda c=c: c.delete(url) for c in clients])
    _only_success_404_409(statuses, 204)
    assert statuses.count(204) == 1
    assert not Comment.objects.filter(pk=comment.pk).exists()


def test_four_deletes_of_one_task(api, manager, task):
    url = f"/api/tasks/{task.pk}/"
    statuses = at_once([lambda c=api(manager): c.delete(url) for _ in range(4)])
    _only_success_404_409(statuses, 204)
    assert statuses.count(204) == 1
    assert not Task.objects.filter(pk=task.pk).exists()


def test_four_moves_of_one_task_and_a_delete(api, manager, task):
    move = f"/api/tasks/{task.pk}/move/"
    requests = [lambda c=api(manager), i=i: c.post(move, {"status": TaskStatus.values[i], "position": 0},
                                                   format="json") for i in range(4)]
    requests.append(lambda c=api(manager): c.delete(f"/api/tasks/{task.pk}/"))
    statuses = at_once(requests)
    assert all(status in (200, 204, 404, 409) for status in statuses), statuses


def test_four_updates_of_one_member(api, tenant, tenant_admin):
    target = UserFactory(tenant=tenant, role=Role.MEMBER)
    UserFactory(tenant=tenant, role=Role.TENANT_ADMIN)
    url = f"/api/tenants/members/{target.pk}/"
    bodies = [{"role": Role.MANAGER}, {"is_active": False}, {"role": Role.TENANT_ADMIN}, {"is_active": True}]
    statuses = at_once([lambda c=api(tenant_admin), b=b: c.patch(url, b, format="json") for b in bodies])
    assert all(status in (200, 400, 404, 409) for status in statuses), statuses


def test_attachment_uploads_while_the_task_is_deleted(api, member, manager, task):
    def upload(client, i):
        return client.post(f"/api/tasks/{task.pk}/attachments/",
                           {"file": SimpleUploadedFile(f"p{i}.png", PNG, content_type="image/png")},
                           format="multipart")

    requests = [lambda c=api(member), i=i: upload(c, i) for i in range(3)]
    requests.append(lambda c=api(manager): c.delete(f"/api/tasks/{task.pk}/"))
    statuses = at_once(requests)
    assert all(status in (201, 204, 404, 409) for status in statuses), statuses
    assert statuses.count(204) == 1
    assert not Attachment.objects.filter(task_id=task.pk).exists()
