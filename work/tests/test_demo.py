from django.core.files.storage import default_storage

from tenancy import demo as tenancy_demo
from work import demo
from work.models import Attachment, Comment, Task, TaskActivity, Team, TeamMember


def _counts() -> tuple:
    return tuple(model.objects.count() for model in (Team, TeamMember, Task, Comment, Attachment, TaskActivity))


def test_seed_fills_every_column_and_is_idempotent(db):
    tenants = tenancy_demo.seed()
    demo.seed(tenants=tenants)
    first = _counts()
    for key in demo.DEMO_TENANTS:
        tenant = tenants[key]
        teams = Team.objects.filter(tenant=tenant)
        assert teams.count() == 2
        assert TeamMember.objects.filter(tenant=tenant, team__name="Product").count() == 3
        statuses = set(Task.objects.filter(tenant=tenant, team__name="Product").values_list("status", flat=True))
        assert statuses == {"TODO", "IN_PROGRESS", "IN_REVIEW", "DONE"}
        assert Comment.objects.filter(tenant=tenant).exists()
        attachment = Attachment.objects.get(tenant=tenant)
        with default_storage.open(attachment.file.name) as handle:
            assert handle.read().startswith(b"Release 1.0")
    assert not Team.objects.filter(tenant=tenants["newco"]).exists()

    demo.seed(tenants=tenancy_demo.seed())
    assert _counts() == first, "a second run creates nothing"
