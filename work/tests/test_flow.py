"""End to end: a member works a task from TODO to DONE with a comment and a file; the history shows it all."""

from django.core.files.uploadedfile import SimpleUploadedFile


def test_member_works_a_task_from_todo_to_done(api, member, manager, team, django_capture_on_commit_callbacks):
    client = api(member)
    created = client.post("/api/tasks/", {"team": team.id, "title": "Fix the login page", "priority": "HIGH",
                                          "due_on": "2026-12-01"})
    assert created.status_code == 201, created.json()
    task_id = created.json()["id"]
    assert (created.json()["status"], created.json()["position"]) == ("TODO", 0)

    steps = [
        ("patch", f"/api/tasks/{task_id}/", {"assignee": member.id, "description": "Users cannot log in."}),
        ("post", f"/api/tasks/{task_id}/move/", {"status": "IN_PROGRESS", "position": 0}),
        ("post", f"/api/tasks/{task_id}/comments/", {"body": "Found it: a stale cache entry."}),
        ("post", f"/api/tasks/{task_id}/move/", {"status": "IN_REVIEW", "position": 0}),
        ("post", f"/api/tasks/{task_id}/move/", {"status": "DONE", "position": 0}),
    ]
    for method, url, body in steps:
        with django_capture_on_commit_callbacks(execute=True):
            response = getattr(client, method)(url, body, format="json")
        assert response.status_code in (200, 201), (url, response.json())
        if url.endswith("comments/"):
            upload = client.post(f"/api/tasks/{task_id}/attachments/",
                                 {"file": SimpleUploadedFile("trace.txt", b"stack trace: cache miss")},
                                 format="multipart")
            assert upload.status_code == 201, upload.json()
            attachment_id = upload.json()["id"]

    task = client.get(f"/api/tasks/{task_id}/").json()
    assert task["status"] == "DONE" and task["completed_at"] is not None
    assert task["comment_count"] == 1 and task["attachment_count"] == 1

    download = client.get(f"/api/tasks/{task_id}/attachments/{attachment_id}/download/")
    assert download.status_code == 200
    assert download["Content-Disposition"].startswith("attachment;") and 'filename="trace.txt"' in \
        download["Content-Disposition"]
    assert b"".join(download.streaming_content) == b"stack trace: cache miss"

    board = client.get(f"/api/tasks/board/?team={team.id}").json()
    assert [t["id"] for t in board["columns"][3]["tasks"]] == [task_id]

    history = client.get(f"/api/tasks/{task_id}/activities/").json()["results"]
    assert [(h["action"], h["field"], h["old_value"], h["new_value"]) for h in history] == [
        ("created", "status", "", "TODO"),
        ("updated", "description", "", "Users cannot log in."),
        ("assigned", "assignee", "", str(member.id)),
        ("moved", "status", "TODO", "IN_PROGRESS"),
        ("commented", "comment", "", history[4]["new_value"]),
        ("attachment_added", "attachment", "", "trace.txt"),
        ("moved", "status", "IN_PROGRESS", "IN_REVIEW"),
        ("moved", "status", "IN_REVIEW", "DONE"),
    ]
    assert {h["actor"]["id"] for h in history} == {member.id}

    # The member created, was assigned and commented: nobody else is involved, so nobody is notified.
    assert client.get("/api/notifications/").json()["unread_count"] == 0
    assert api(manager).get("/api/notifications/").json()["unread_count"] == 0


def test_writes_are_in_the_tenant_activity_log(api, member, tenant_admin, team, tenant):
    from tenancy.models import ActivityLog

    created = api(member).post("/api/tasks/", {"team": team.id, "title": "Audit me"})
    task_id = created.json()["id"]
    api(member).post(f"/api/tasks/{task_id}/move/", {"status": "DONE", "position": 0})
    rows = list(ActivityLog.objects.filter(tenant=tenant).values_list("verb", "object_id", "actor_id"))
    assert ("task.created", str(task_id), member.id) in rows
    assert ("task.moved", str(task_id), member.id) in rows
    verbs = [row["verb"] for row in api(tenant_admin).get("/api/activity/").json()["results"]]
    assert "task.moved" in verbs
