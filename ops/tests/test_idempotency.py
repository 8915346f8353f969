"""Idempotency-Key on API POSTs: a retry replays the first answer and creates nothing."""

import threading

import pytest
from django.db import connection

from ops.models import IdempotencyKey
from work.models import Team

KEY = {"HTTP_IDEMPOTENCY_KEY": "4f1c1c36-5a53-4b1e-9a59-0a1e1f6d3b10"}


def test_a_retry_with_the_same_key_and_body_replays_and_creates_nothing(api, manager):
    first = api(manager).post("/api/teams/", {"name": "Platform"}, **KEY)
    assert first.status_code == 201
    again = api(manager).post("/api/teams/", {"name": "Platform"}, **KEY)
    assert again.status_code == 201 and again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert Team.objects.filter(name="Platform").count() == 1


def test_the_same_key_with_another_body_is_409(api, manager):
    assert api(manager).post("/api/teams/", {"name": "Platform"}, **KEY).status_code == 201
    response = api(manager).post("/api/teams/", {"name": "Other"}, **KEY)
    assert response.status_code == 409 and response.json()["code"] == "idempotency_key_reused"
    assert not Team.objects.filter(name="Other").exists()


def test_keys_are_scoped_per_user(api, manager, tenant_admin):
    assert api(manager).post("/api/teams/", {"name": "Platform"}, **KEY).status_code == 201
    other = api(tenant_admin).post("/api/teams/", {"name": "Platform 2"}, **KEY)
    assert other.status_code == 201 and "Idempotent-Replayed" not in other
    assert Team.objects.filter(name__startswith="Platform").count() == 2


def test_a_refused_request_does_not_use_up_its_key(api, manager):
    assert api(manager).post("/api/teams/", {"name": ""}, **KEY).status_code == 400
    assert IdempotencyKey.objects.count() == 0
    assert api(manager).post("/api/teams/", {"name": "Fixed"}, **KEY).status_code == 201


def test_without_the_header_nothing_changes(api, manager):
    assert api(manager).post("/api/teams/", {"name": "A"}).status_code == 201
    assert api(manager).post("/api/teams/", {"name": "A"}).status_code in (201, 400, 409)
    assert IdempotencyKey.objects.count() == 0


def test_an_invalid_key_is_400(api, manager):
    response = api(manager).post("/api/teams/", {"name": "A"}, HTTP_IDEMPOTENCY_KEY="x" * 300)
    assert response.status_code == 400 and response.json()["code"] == "idempotency_key_invalid"


def test_a_server_error_rolls_the_write_back_and_frees_the_key(api, manager, monkeypatch):
    client = api(manager)
    client.raise_request_exception = False

    def boom(self, instance):
        raise RuntimeError("after the write, before the answer")

    target = "work.api.serializers.TeamSerializer.to_representation"
    monkeypatch.setattr(target, boom)
    assert client.post("/api/teams/", {"name": "Half"}, **KEY).status_code == 500
    assert not Team.objects.filter(name="Half").exists()  # rolled back with the key
    monkeypatch.undo()
    assert api(manager).post("/api/teams/", {"name": "Half"}, **KEY).status_code == 201
    assert Team.objects.filter(name="Half").count() == 1


def test_the_schema_documents_the_header_on_posts(api, db):
    schema = api().get("/api/schema/?format=json").json()
    post = schema["paths"]["/api/teams/"]["post"]
    assert any(p["name"] == "Idempotency-Key" and p["in"] == "header" for p in post["parameters"])
    login = schema["paths"]["/api/auth/login/"]["post"]
    assert not any(p["name"] == "Idempotency-Key" for p in login.get("parameters", []))
    get = schema["paths"]["/api/teams/"]["get"]
    assert not any(p["name"] == "Idempotency-Key" for p in get.get("parameters", []))


@pytest.mark.mariadb
@pytest.mark.django_db(transaction=True)
def test_two_requests_with_one_key_at_once_create_one_object(api, manager):
    answers = []

    def send():
        try:
            answers.append(api(manager).post("/api/teams/", {"name": "Race"}, **KEY).status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=send) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert Team.objects.filter(name="Race").count() == 1
    assert all(code in (201, 409) for code in answers) and 201 in answers
