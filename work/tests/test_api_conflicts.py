"""Lock conflicts and vanished rows: 409 conflict_retry after a bounded retry, 404 instead of a 500."""

from unittest import mock

import pytest
from django.db import IntegrityError, OperationalError

from tenancy.api.errors import exception_handler
from tenancy.concurrency import ER_LOCK_DEADLOCK, ER_LOCK_WAIT_TIMEOUT, is_lock_conflict
from work.models import Comment


def _deadlock():
    return OperationalError(ER_LOCK_DEADLOCK, "Deadlock found when trying to get lock; try restarting transaction")


def test_is_lock_conflict_knows_deadlocks_and_lock_waits_only():
    assert is_lock_conflict(_deadlock())
    assert is_lock_conflict(OperationalError(ER_LOCK_WAIT_TIMEOUT, "Lock wait timeout exceeded"))
    assert is_lock_conflict(IntegrityError(1452, "Cannot add or update a child row: a foreign key constraint fails"))
    assert not is_lock_conflict(IntegrityError(1062, "Duplicate entry"))
    assert not is_lock_conflict(OperationalError(2006, "MySQL server has gone away"))
    assert not is_lock_conflict(ValueError("nope"))


def test_handler_maps_lock_conflicts_to_409_conflict_retry():
    response = exception_handler(_deadlock(), {})
    assert response.status_code == 409
    assert response.data == {"code": "conflict_retry", "detail": response.data["detail"], "fields": {}}
    assert response["Retry-After"] == "1"


def test_handler_maps_a_vanished_row_to_404():
    response = exception_handler(Comment.DoesNotExist("Comment matching query does not exist."), {})
    assert response.status_code == 404
    assert response.data["code"] == "not_found"


@pytest.mark.django_db(transaction=True)
def test_a_deadlocked_write_is_retried_whole_and_then_succeeds(api, task, member):
    from work.services import comments

    real = comments.comment_create
    calls = []

    def flaky(**kwargs):
        calls.append(1)
        if len(calls) == 1:
            raise _deadlock()
        return real(**kwargs)

    with mock.patch.object(comments, "comment_create", side_effect=flaky):
        response = api(member).post(f"/api/tasks/{task.pk}/comments/", {"body": "hello"}, format="json")
    assert response.status_code == 201, response.content
    assert len(calls) == 2
    assert Comment.objects.filter(task=task, body="hello").count() == 1


@pytest.mark.django_db(transaction=True)
def test_a_write_that_keeps_deadlocking_answers_409_after_the_bounded_retries(api, task, member, settings):
    settings.LOCK_CONFLICT_ATTEMPTS = 3
    calls = []

    def always(**kwargs):
        calls.append(1)
        raise _deadlock()

    with mock.patch("work.services.comments.comment_create", side_effect=always):
        response = api(member).post(f"/api/tasks/{task.pk}/comments/", {"body": "hello"}, format="json")
    assert response.status_code == 409
    assert response.json()["code"] == "conflict_retry"
    assert len(calls) == 3
    assert not Comment.objects.filter(task=task).exists()


@pytest.mark.django_db(transaction=True)
def test_a_write_that_committed_before_deadlocking_is_not_run_again(api, task, member, settings):
    from work.services import comments

    settings.LOCK_CONFLICT_ATTEMPTS = 3
    real = comments.comment_create
    calls = []

    def commit_then_deadlock(**kwargs):
        calls.append(1)
        real(**kwargs)  # its own transaction commits
        raise _deadlock()

    with mock.patch.object(comments, "comment_create", side_effect=commit_then_deadlock):
        response = api(member).post(f"/api/tasks/{task.pk}/comments/", {"body": "once"}, format="json")
    assert response.status_code == 409
    assert len(calls) == 1
    assert Comment.objects.filter(task=task, body="once").count() == 1
