"""@mentions in task descriptions and comments: resolved in the task's team, returned, notified per preference."""

import pytest
from django.core import mail

from tenancy.models import Notification, NotificationPreference, Role
from tenancy.tests.factories import UserFactory
from work.models import Comment, Task, TeamRole
from work.services.mentions import mention_tokens, mentions_resolve
from work.tests.factories import TeamFactory, make_member

pytestmark = pytest.mark.django_db


@pytest.fixture
def ana(tenant, team):
    user = UserFactory(tenant=tenant, role=Role.MEMBER, email="ana.lopez@alpha.example", first_name="Ana",
                       last_name="Lopez")
    make_member(team, user, TeamRole.MEMBER)
    return user


def _mentioned(response):
    return [item["email"] for item in response.json()["mentions"]]


def test_tokens_skip_punctuation_and_e_mail_addresses_in_text():
    assert mention_tokens("Hi @ana, ask @bob@x.example. Mail me at me@ana.example; (@Ana_L)") == [
        "ana", "bob@x.example", "ana_l"]


def test_a_comment_mentions_by_name_and_e_mail_and_notifies_in_app_and_by_e_mail(
        api, member, manager, task, ana, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = api(member).post(f"/api/tasks/{task.pk}/comments/",
                                    {"body": f"@ana please check, and @{manager.email} too."}, format="json")
    assert response.status_code == 201, response.content
    assert _mentioned(response) == ["ana.lopez@alpha.example", manager.email]
    assert response.json()["mentions"][0] == {"id": ana.pk, "email": ana.email, "name": "Ana Lopez"}
    comment = Comment.objects.get(pk=response.json()["id"])
    assert [m["id"] for m in comment.mentions] == [ana.pk, manager.pk]
    note = Notification.objects.get(recipient=ana, type="mentioned")
    assert note.data == {"task_id": task.pk, "team_id": task.team_id, "comment_id": comment.pk}
    assert "mentioned you in a comment on Write the spec" in note.title
    assert any(m.to == [ana.email] and "mentioned you" in m.subject for m in mail.outbox)
    # The list returns them too.
    listed = api(member).get(f"/api/tasks/{task.pk}/comments/").json()["results"]
    assert [m["id"] for m in listed[0]["mentions"]] == [ana.pk, manager.pk]


def test_only_members_of_the_same_team_and_company_can_be_mentioned(api, tenant, member, task, other_admin,
                                                                    outsider):
    other_team = TeamFactory(tenant=tenant, name="Elsewhere")
    stranger = make_member(other_team).user
    body = f"@{other_admin.email} @{outsider.email} @{stranger.email} @nobody"
    response = api(member).post(f"/api/tasks/{task.pk}/comments/", {"body": body}, format="json")
    assert response.status_code == 201 and _mentioned(response) == []
    assert not Notification.objects.filter(type="mentioned").exists()


def test_an_ambiguous_name_mentions_nobody(api, tenant, team, member, task, ana):
    twin = UserFactory(tenant=tenant, email="ana.b@alpha.example", first_name="Ana", last_name="Berg")
    make_member(team, twin)
    response = api(member).post(f"/api/tasks/{task.pk}/comments/", {"body": "@ana and @anaberg"}, format="json")
    assert _mentioned(response) == ["ana.b@alpha.example"]


def test_an_inactive_member_is_not_mentioned(tenant, team, ana):
    ana.is_active = False
    ana.save()
    assert mentions_resolve(tenant=tenant, team=team, text="@ana") == []


def test_the_author_is_not_notified_of_their_own_mention(api, member, task):
    api(member).post(f"/api/tasks/{task.pk}/comments/", {"body": f"note to self @{member.email}"}, format="json")
    assert not Notification.objects.filter(type="mentioned").exists()


def test_the_e_mail_preference_switches_the_mention_e_mail_off(api, tenant, member, task, ana,
                                                               django_capture_on_commit_callbacks):
    NotificationPreference.objects.create(tenant=tenant, user=ana, type="mentioned", email=False)
    with django_capture_on_commit_callbacks(execute=True):
        api(member).post(f"/api/tasks/{task.pk}/comments/", {"body": "@ana"}, format="json")
    assert Notification.objects.filter(recipient=ana, type="mentioned").count() == 1
    assert not any(m.to == [ana.email] for m in mail.outbox)
    prefs = api(ana).get("/api/notifications/preferences/").json()
    assert any(p["type"] == "mentioned" for p in (prefs if isinstance(prefs, list) else prefs["preferences"]))


def test_task_descriptions_mention_on_create_and_only_new_mentions_notify_on_edit(api, team, manager, member, ana):
    response = api(manager).post("/api/tasks/", {"team": team.pk, "title": "Plan", "description": "for @ana"},
                                 format="json")
    assert response.status_code == 201 and _mentioned(response) == [ana.email]
    task_id = response.json()["id"]
    assert Notification.objects.filter(recipient=ana, type="mentioned").count() == 1
    response = api(manager).patch(f"/api/tasks/{task_id}/", {"description": f"for @ana and @{member.email}"},
                                  format="json")
    assert _mentioned(response) == [ana.email, member.email]
    assert Notification.objects.filter(recipient=ana, type="mentioned").count() == 1  # not again
    assert Notification.objects.filter(recipient=member, type="mentioned").count() == 1
    assert [m["id"] for m in Task.objects.get(pk=task_id).mentions] == [ana.pk, member.pk]
    response = api(manager).patch(f"/api/tasks/{task_id}/", {"description": "nobody now"}, format="json")
    assert _mentioned(response) == []


def test_editing_a_comment_notifies_only_the_newly_mentioned(api, member, manager, task, ana):
    created = api(member).post(f"/api/tasks/{task.pk}/comments/", {"body": "@ana"}, format="json").json()
    response = api(member).patch(f"/api/tasks/{task.pk}/comments/{created['id']}/",
                                 {"body": f"@ana and @{manager.email}"}, format="json")
    assert response.status_code == 200, response.content
    assert _mentioned(response) == [ana.email, manager.email]
    assert Notification.objects.filter(recipient=ana, type="mentioned").count() == 1
    assert Notification.objects.filter(recipient=manager, type="mentioned").count() == 1
