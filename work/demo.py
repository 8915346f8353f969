"""Demo data of the work app: teams with members and a Kanban board in every column, for each demo tenant."""

from datetime import timedelta

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone

from tenancy.models import Role, Tenant, TenantStatus, User
from work.models import Task, TaskPriority, TaskStatus, Team, TeamMember, TeamRole
from work.services.attachments import attachment_add
from work.services.comments import comment_create
from work.services.tasks import task_create
from work.services.teams import team_create, team_member_add

DEMO_TENANTS = ("acme", "tech", "customdomain")

# team name, description, which members join ("member1", "member2" = the tenant's MEMBERs in e-mail order)
TEAMS = [
    ("Product", "Builds and ships the product.", ("member1", "member2")),
    ("Customer Success", "Keeps customers happy.", ("member1",)),
]

# team, title, status, priority, assignee key, due in days (None = no due date)
TASKS = [
    ("Product", "Write the onboarding guide", TaskStatus.TODO, TaskPriority.MEDIUM, "member1", 10),
    ("Product", "Design the pricing page", TaskStatus.TODO, TaskPriority.HIGH, "member2", 7),
    ("Product", "Set up error monitoring", TaskStatus.TODO, TaskPriority.LOW, None, None),
    ("Product", "Build the Kanban drag and drop", TaskStatus.IN_PROGRESS, TaskPriority.URGENT, "member1", 3),
    ("Product", "Export tasks as CSV", TaskStatus.IN_PROGRESS, TaskPriority.MEDIUM, "member2", 5),
    ("Product", "Review the API error format", TaskStatus.IN_REVIEW, TaskPriority.HIGH, "manager", 2),
    ("Product", "Release 1.0 notes", TaskStatus.DONE, TaskPriority.MEDIUM, "member1", -2),
    ("Product", "Choose the database", TaskStatus.DONE, TaskPriority.LOW, "manager", -10),
    ("Customer Success", "Call the three biggest customers", TaskStatus.TODO, TaskPriority.HIGH, "member1", 4),
    ("Customer Success", "Update the help centre", TaskStatus.IN_PROGRESS, TaskPriority.MEDIUM, "member1", 8),
    ("Customer Success", "Answer the survey feedback", TaskStatus.IN_REVIEW, TaskPriority.LOW, "manager", 6),
    ("Customer Success", "Welcome e-mail sequence", TaskStatus.DONE, TaskPriority.MEDIUM, "member1", -1),
]

# task title, author key, body
COMMENTS = [
    ("Build the Kanban drag and drop", "member1", "Columns render; working on keyboard moves next."),
    ("Build the Kanban drag and drop", "manager", "Great. Please keep positions contiguous after each drop."),
    ("Review the API error format", "member2", "Every error now has a code, a detail and the fields."),
    ("Release 1.0 notes", "manager", "Published, thanks!"),
    ("Update the help centre", "member1", "Half of the articles are done."),
]

ATTACHMENT_TASK = "Release 1.0 notes"
ATTACHMENT_NAME = "release-notes.txt"
ATTACHMENT_TEXT = b"Release 1.0\n\n- Teams and invitations\n- Kanban board\n- Comments and attachments\n"


def _people(tenant: Tenant) -> dict[str, User]:
    """Find the tenant's demo users by role: its admin, manager and first two members."""
    users = list(User.objects.filter(tenant=tenant, is_active=True).order_by("email"))
    admin = next((u for u in users if u.role == Role.TENANT_ADMIN), None)
    manager = next((u for u in users if u.role == Role.MANAGER), admin)
    members = [u for u in users if u.role == Role.MEMBER]
    people = {"admin": admin, "manager": manager}
    for index, user in enumerate(members[:2], start=1):
        people[f"member{index}"] = user
    return {key: user for key, user in people.items() if user is not None}


def _seed_tenant(tenant: Tenant) -> None:
    people = _people(tenant)
    manager = people.get("manager")
    if manager is None:
        return
    teams = {}
    for name, description, member_keys in TEAMS:
        team = Team.objects.filter(tenant=tenant, name=name).first()
        if team is None:
            team = team_create(tenant=tenant, actor=manager, name=name, description=description)
        for key in member_keys:
            user = people.get(key)
            if user is not None and not TeamMember.objects.filter(tenant=tenant, team=team, user=user).exists():
                team_member_add(tenant=tenant, actor=manager, team=team, user=user, role=TeamRole.MEMBER)
        teams[name] = team

    seeded_teams = set(Task.objects.filter(tenant=tenant, team__in=teams.values()).values_list("team__name",
                                                                                               flat=True))
    today = timezone.localdate()
    tasks = {}
    for team_name, title, status, priority, assignee_key, due_in in TASKS:
        if team_name in seeded_teams:
            continue
        tasks[title] = task_create(
            tenant=tenant, actor=manager, team=teams[team_name], title=title, status=status, priority=priority,
            assignee=people.get(assignee_key) if assignee_key else None,
            due_on=today + timedelta(days=due_in) if due_in is not None else None,
            description=f"{title}. Part of the {team_name} board.",
        )
    for title, author_key, body in COMMENTS:
        task, author = tasks.get(title), people.get(author_key)
        if task is not None and author is not None:
            comment_create(tenant=tenant, actor=author, task=task, body=body)
    if ATTACHMENT_TASK in tasks:
        attachment_add(tenant=tenant, actor=manager, task=tasks[ATTACHMENT_TASK],
                       upload=SimpleUploadedFile(ATTACHMENT_NAME, ATTACHMENT_TEXT, content_type="text/plain"))


def seed(*, tenants: dict) -> None:
    """Give each demo tenant (acme, tech, customdomain) teams and a full board; a second run creates nothing."""
    for key in DEMO_TENANTS:
        tenant = tenants.get(key)
        if tenant is None or tenant.status not in (TenantStatus.ACTIVE, TenantStatus.SUSPENDED):
            continue
        with transaction.atomic():
            _seed_tenant(tenant)
