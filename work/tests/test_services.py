"""Services: activity history, notifications (preferences, after commit), plan limits, team invitations."""

import datetime

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone

from tenancy import limits
from tenancy.exceptions import Forbidden, NotFound, PlanLimitReached, ServiceError
from tenancy.models import Notification, NotificationPreference, NotificationType, Role
from tenancy.tests.factories import UserFactory
from work.models import Attachment, Task, TaskActivity, Team, TeamInvitation, TeamMember
from work.services import attachments as attachment_services
from work.services import comments as comment_services
from work.services import tasks as task_services
from work.services import teams as team_services
from work.tests.factories import AttachmentFactory, TaskFactory, TeamFactory


def _rows(task):
    return list(TaskActivity.objects.filter(task=task).order_by("id").values_list(
        "action", "field", "old_value", "new_value", "actor_id"))


# --- activity -----------------------------------------------------------------------------------------


def test_create_writes_created_and_assigned(tenant, manager, member, team):
    task = task_services.task_create(tenant=tenant, actor=manager, team=team, title="Plan", assignee=member)
    assert _rows(task) == [("created", "status", "", "TODO", manager.id),
                           ("assigned", "assignee", "", str(member.id), manager.id)]


def test_update_writes_one_row_per_changed_field(tenant, manager, member, team):
    task = TaskFactory(team=team, title="Old", priority="LOW", due_on=datetime.date(2026, 1, 1), creator=manager)
    task_services.task_update(tenant=tenant, actor=member, task=task, title="New", priority="LOW",
                              due_on=datetime.date(2026, 3, 31), assignee=member, description="")
    assert _rows(task) == [
        ("updated", "title", "Old", "New", member.id),
        ("assigned", "assignee", "", str(member.id), member.id),
        ("updated", "due_on", "2026-01-01", "2026-03-31", member.id),
    ]
    task.refresh_from_db()
    assert (task.title, task.due_on, task.assignee_id) == ("New", datetime.date(2026, 3, 31), member.id)
    task_services.task_update(tenant=tenant, actor=member, task=task, title="New")
    assert len(_rows(task)) == 3, "an unchanged value writes nothing"
    task_services.task_update(tenant=tenant, actor=member, task=task, due_on=None, assignee=None)
    assert _rows(task)[-2:] == [("assigned", "assignee", str(member.id), "", member.id),
                                ("updated", "due_on", "2026-03-31", "", member.id)]


def test_move_comment_and_attachment_are_in_the_history(tenant, member, team, task):
    TaskActivity.objects.all().delete()
    task_services.task_move(tenant=tenant, actor=member, task=task, status="IN_PROGRESS", position=0)
    comment = comment_services.comment_create(tenant=tenant, actor=member, task=task, body="Started")
    attachment_services.attachment_add(tenant=tenant, actor=member, task=task,
                                       upload=SimpleUploadedFile("log.txt", b"all good"))
    assert [r[:4] for r in _rows(task)] == [
        ("moved", "status", "TODO", "IN_PROGRESS"),
        ("commented", "comment", "", str(comment.id)),
        ("attachment_added", "attachment", "", "log.txt"),
    ]


def test_update_refuses_status_and_unknown_fields(tenant, member, task):
    with pytest.raises(ServiceError) as exc:
        task_services.task_update(tenant=tenant, actor=member, task=task, status="DONE")
    assert exc.value.code == "read_only_field"
    assert Task.objects.get(pk=task.pk).status == "TODO"


def test_services_refuse_another_tenants_objects(tenant, other_tenant, manager, team, other_admin):
    stranger = UserFactory(tenant=other_tenant)
    with pytest.raises(ServiceError) as exc:
        team_services.team_member_add(tenant=tenant, actor=manager, team=team, user=stranger)
    assert exc.value.code == "cross_tenant"
    with pytest.raises(ServiceError):
        task_services.task_create(tenant=tenant, actor=manager, team=team, title="x", assignee=stranger)
    other_team = TeamFactory(tenant=other_tenant)
    with pytest.raises(ServiceError):
        task_services.task_create(tenant=tenant, actor=manager, team=other_team, title="x")
    assert not Task.objects.exists() and not TeamMember.objects.filter(user=stranger).exists()


# --- notifications ------------------------------------------------------------------------------------


def test_assignment_notifies_the_assignee_only(tenant, manager, member, team):
    task_services.task_create(tenant=tenant, actor=manager, team=team, title="Review", assignee=member)
    assert list(Notification.objects.values_list("recipient_id", "type")) == [
        (member.id, NotificationType.TASK_ASSIGNED)]
    task_services.task_create(tenant=tenant, actor=member, team=team, title="Mine", assignee=member)
    assert Notification.objects.count() == 1, "assigning oneself notifies nobody"


def test_comment_notifies_creator_and_assignee_but_not_the_author(tenant, tenant_admin, manager, member, task):
    comment_services.comment_create(tenant=tenant, actor=member, task=task, body="Done?")
    assert list(Notification.objects.values_list("recipient_id", flat=True)) == [manager.id]
    Notification.objects.all().delete()
    comment_services.comment_create(tenant=tenant, actor=tenant_admin, task=task, body="Ping")
    assert set(Notification.objects.values_list("recipient_id", "type")) == {
        (manager.id, NotificationType.TASK_COMMENTED), (member.id, NotificationType.TASK_COMMENTED)}


def test_preferences_suppress_in_app_and_email(tenant, manager, member, team, django_capture_on_commit_callbacks):
    NotificationPreference.objects.create(tenant=tenant, user=member, type=NotificationType.TASK_ASSIGNED,
                                          in_app=False, email=False)
    with django_capture_on_commit_callbacks(execute=True):
        task_services.task_create(tenant=tenant, actor=manager, team=team, title="Quiet", assignee=member)
    assert not Notification.objects.exists() and mail.outbox == []

    NotificationPreference.objects.filter(user=member).update(in_app=True, email=False)
    with django_capture_on_commit_callbacks(execute=True):
        task_services.task_create(tenant=tenant, actor=manager, team=team, title="In-app only", assignee=member)
    assert Notification.objects.filter(recipient=member).count() == 1 and mail.outbox == []


def test_email_is_sent_only_after_commit(tenant, manager, member, team, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        task_services.task_create(tenant=tenant, actor=manager, team=team, title="Ship it", assignee=member)
        assert mail.outbox == [], "no e-mail before the transaction commits"
    assert len(callbacks) == 1 and mail.outbox == []
    for callback in callbacks:
        callback()
    assert [m.to for m in mail.outbox] == [[member.email]]
    assert "Ship it" in mail.outbox[0].subject


def test_no_email_when_the_transaction_rolls_back(tenant, manager, member, team, django_capture_on_commit_callbacks):
    class Boom(Exception):
        pass

    with django_capture_on_commit_callbacks(execute=True) as callbacks, pytest.raises(Boom), transaction.atomic():
        task_services.task_create(tenant=tenant, actor=manager, team=team, title="Doomed", assignee=member)
        raise Boom
    assert callbacks == [] and mail.outbox == []
    assert not Task.objects.exists() and not Notification.objects.exists()


def test_comment_email_goes_to_creator_after_commit(api, member, manager, task, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = api(member).post(f"/api/tasks/{task.id}/comments/", {"body": "Looks done"})
    assert response.status_code == 201
    assert [m.to for m in mail.outbox] == [[manager.email]]


# --- team invitations ---------------------------------------------------------------------------------


def test_invitation_notifies_the_invitee_who_accepts_with_the_token(
        api, manager, team, outsider, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = api(manager).post("/api/teams/invitations/", {"team": team.id, "email": "Outsider@Alpha.example"})
    assert response.status_code == 201, response.json()
    assert "token" not in response.json()
    notification = Notification.objects.get(recipient=outsider, type=NotificationType.TEAM_INVITATION)
    token = notification.data["token"]
    assert [m.to for m in mail.outbox] == [[outsider.email]] and token in mail.outbox[0].body
    invitation = TeamInvitation.objects.get()
    assert invitation.token_hash != token and len(invitation.token_hash) == 64

    response = api(outsider).post("/api/teams/invitations/accept/", {"token": token})
    assert response.status_code == 201, response.json()
    assert TeamMember.objects.filter(team=team, user=outsider, role="MEMBER").exists()
    assert api(outsider).get(f"/api/teams/{team.id}/").status_code == 200
    again = api(outsider).post("/api/teams/invitations/accept/", {"token": token})
    assert again.status_code == 400 and again.json()["code"] == "invitation_used"


def test_invitation_token_is_bound_to_the_invitee(api, tenant, manager, team, outsider, tenant_admin):
    _invitation, token = team_services.team_invitation_create(tenant=tenant, actor=manager, team=team,
                                                              email=outsider.email)
    response = api(tenant_admin).post("/api/teams/invitations/accept/", {"token": token})
    assert response.status_code == 404 and response.json()["code"] == "invitation_invalid"
    assert not TeamMember.objects.filter(team=team, user=tenant_admin).exists()


def test_expired_or_revoked_invitations_do_not_work(tenant, manager, team, outsider):
    invitation, token = team_services.team_invitation_create(tenant=tenant, actor=manager, team=team,
                                                             email=outsider.email)
    TeamInvitation.objects.filter(pk=invitation.pk).update(expires_at=timezone.now() - datetime.timedelta(seconds=1))
    with pytest.raises(ServiceError) as exc:
        team_services.team_invitation_accept(tenant=tenant, user=outsider, token=token)
    assert exc.value.code == "invitation_expired"
    TeamInvitation.objects.filter(pk=invitation.pk).update(expires_at=timezone.now() + datetime.timedelta(days=1))
    team_services.team_invitation_revoke(tenant=tenant, actor=manager, invitation=invitation)
    with pytest.raises(ServiceError) as exc:
        team_services.team_invitation_accept(tenant=tenant, user=outsider, token=token)
    assert exc.value.code == "invitation_revoked"


def test_token_of_another_tenant_is_not_found(tenant, other_tenant, manager, team):
    foreign = UserFactory(tenant=other_tenant, email="twin@beta.example")
    _inv, token = team_services.team_invitation_create(tenant=tenant, actor=manager, team=team,
                                                       email="twin@beta.example")
    with pytest.raises(NotFound):
        team_services.team_invitation_accept(tenant=other_tenant, user=foreign, token=token)


def test_manager_of_another_team_cannot_invite_or_manage(tenant, team, outsider):
    other_manager = UserFactory(tenant=tenant, role=Role.MANAGER)
    with pytest.raises(Forbidden):
        team_services.team_invitation_create(tenant=tenant, actor=other_manager, team=team, email="a@b.example")
    with pytest.raises(Forbidden):
        team_services.team_member_add(tenant=tenant, actor=other_manager, team=team, user=outsider)


def test_manager_creating_a_team_becomes_its_manager(tenant, manager, member):
    team = team_services.team_create(tenant=tenant, actor=manager, name="Ops")
    assert TeamMember.objects.get(team=team).role == "MANAGER"
    with pytest.raises(Forbidden):
        team_services.team_create(tenant=tenant, actor=member, name="Rogue")


# --- plan limits --------------------------------------------------------------------------------------


def test_limit_plus_one_team_is_refused(api, manager, team, plan_limits):
    plan_limits["teams"] = 1
    response = api(manager).post("/api/teams/", {"name": "Second"})
    assert response.status_code == 403 and response.json()["code"] == "plan_limit_reached"
    assert response.json()["fields"]["limit"] == "teams"
    assert Team.objects.count() == 1
    team_services.team_archive(tenant=team.tenant, actor=manager, team=team)
    assert api(manager).post("/api/teams/", {"name": "Second"}).status_code == 201, "archived teams do not count"


def test_limit_plus_one_task_is_refused(api, member, team, plan_limits):
    plan_limits["tasks"] = 2
    for title in ("one", "two"):
        assert api(member).post("/api/tasks/", {"team": team.id, "title": title}).status_code == 201
    response = api(member).post("/api/tasks/", {"team": team.id, "title": "three"})
    assert response.status_code == 403 and response.json()["code"] == "plan_limit_reached"
    assert Task.objects.count() == 2 and TaskActivity.objects.count() == 2


def test_limit_plus_one_upload_is_refused(api, member, task, plan_limits, settings):
    plan_limits["storage_mb"] = 1
    half = b"a" * (512 * 1024)
    url = f"/api/tasks/{task.id}/attachments/"
    assert api(member).post(url, {"file": SimpleUploadedFile("a.txt", half)}, format="multipart").status_code == 201
    response = api(member).post(url, {"file": SimpleUploadedFile("b.txt", half + b"a")}, format="multipart")
    assert response.status_code == 403 and response.json()["code"] == "plan_limit_reached"
    assert Attachment.objects.count() == 1
    stored = [p for p in settings.MEDIA_ROOT.rglob("*") if p.is_file()]
    assert len(stored) == 1


def test_usage_counters_are_registered(tenant, team, task):
    AttachmentFactory(task=task, size=2 * 1024 * 1024)
    report = {row["resource"]: row["used"] for row in limits.usage_report(tenant)}
    assert report["teams"] == 1 and report["tasks"] == 1
    assert report["storage_mb"] >= 2


def test_attachment_delete_removes_the_file_after_commit(tenant, member, task, settings,
                                                         django_capture_on_commit_callbacks):
    attachment = attachment_services.attachment_add(tenant=tenant, actor=member, task=task,
                                                    upload=SimpleUploadedFile("x.txt", b"bye"))
    path = settings.MEDIA_ROOT / attachment.file.name
    assert path.exists()
    with django_capture_on_commit_callbacks(execute=True):
        attachment_services.attachment_delete(tenant=tenant, actor=member, attachment=attachment)
    assert not path.exists()
    assert TaskActivity.objects.filter(task=task, action="attachment_deleted", old_value="x.txt").exists()


def test_deleting_a_team_member_task_requires_rights(tenant, member, team, task):
    with pytest.raises(Forbidden):
        task_services.task_delete(tenant=tenant, actor=member, task=task)
    own = task_services.task_create(tenant=tenant, actor=member, team=team, title="mine")
    task_services.task_delete(tenant=tenant, actor=member, task=own)
    assert not Task.objects.filter(pk=own.pk).exists()


def test_limit_check_happens_before_anything_is_written(tenant, manager, team, plan_limits):
    plan_limits["tasks"] = 0
    with pytest.raises(PlanLimitReached):
        task_services.task_create(tenant=tenant, actor=manager, team=team, title="x")
    assert not TaskActivity.objects.exists()


def test_reassignment_notifies_the_new_assignee_only(tenant, manager, member, team, task,
                                                     django_capture_on_commit_callbacks):
    from work.tests.factories import make_member

    colleague = make_member(team).user
    with django_capture_on_commit_callbacks(execute=True):
        task_services.task_update(tenant=tenant, actor=manager, task=task, assignee=colleague)
    assert list(Notification.objects.values_list("recipient_id", "type")) == [
        (colleague.id, NotificationType.TASK_ASSIGNED)]
    assert [m.to for m in mail.outbox] == [[colleague.email]]
    with django_capture_on_commit_callbacks(execute=True):
        task_services.task_update(tenant=tenant, actor=manager, task=task, title="Renamed")
    assert Notification.objects.count() == 1, "a change that is not an assignment notifies nobody"


def test_moves_record_old_and_new_status_and_position(tenant, member, team):
    tasks = [TaskFactory(team=team) for _ in range(3)]
    task_services.task_move(tenant=tenant, actor=member, task=tasks[2], status="TODO", position=0)
    task_services.task_move(tenant=tenant, actor=member, task=tasks[2], status="DONE", position=0)
    assert [r[:4] for r in _rows(tasks[2])] == [
        ("moved", "position", "2", "0"),
        ("moved", "status", "TODO", "DONE"),
    ]
    assert _rows(tasks[0]) == [], "neighbours that shift are not in the history"
