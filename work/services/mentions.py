"""@mentions in task descriptions and comments: resolved among the task team's active members only.

`@ana@acme.com` names a member by e-mail; `@ana`, `@ana.lopez` or `@AnaLopez` by the e-mail's local
part, the full name or the first name (letters and digits compared, case ignored). A name that fits
several members of the team, or nobody in it, mentions nobody: another company's or another team's
people can never be mentioned, and an ambiguous handle never notifies the wrong person.
"""

import re

from tenancy.models import NotificationType, Tenant, User
from tenancy.services.notifications import notify
from work.models import Comment, Task, Team

MENTION_RE = re.compile(
    r"(?<![\w@.+-])@("
    r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+"  # an e-mail address
    r"|[A-Za-z0-9](?:[\w.-]*[A-Za-z0-9_])?"  # a name (no trailing punctuation)
    r")"
)
MAX_MENTIONS = 50


def _handle(value: str) -> str:
    return "".join(ch for ch in value.lower() if ch.isalnum())


def mention_tokens(text: str) -> list[str]:
    return [match.group(1).lower() for match in MENTION_RE.finditer(text or "")][:MAX_MENTIONS]


def mentions_resolve(*, tenant: Tenant, team: Team, text: str) -> list[User]:
    """Return the team's active members that `text` mentions, in order of first mention."""
    tokens = mention_tokens(text)
    if not tokens:
        return []
    members = list(User.objects.filter(tenant=tenant, is_active=True, team_memberships__tenant=tenant,
                                       team_memberships__team=team).distinct())
    by_email = {user.email.lower(): user for user in members}
    by_handle: dict[str, set[int]] = {}
    for user in members:
        for key in {_handle(user.email.split("@")[0]), _handle(user.get_full_name()), _handle(user.first_name)}:
            if key:
                by_handle.setdefault(key, set()).add(user.pk)
    by_id = {user.pk: user for user in members}
    resolved: list[User] = []
    for token in tokens:
        if "@" in token:
            user = by_email.get(token)
        else:
            ids = by_handle.get(_handle(token), set())
            user = by_id[next(iter(ids))] if len(ids) == 1 else None
        if user is not None and user not in resolved:
            resolved.append(user)
    return resolved


def mentions_data(users: list[User]) -> list[dict]:
    """The stored and returned form of resolved mentions."""
    return [{"id": user.pk, "email": user.email, "name": user.get_full_name()} for user in users]


def mentions_notify(*, tenant: Tenant, actor: User, task: Task, users: list[User], previous: list[dict],
                    comment: Comment | None = None) -> None:
    """Notify the newly mentioned (not the author, not those already mentioned in the same text)."""
    before = {item["id"] for item in previous}
    recipients = [user for user in users if user.pk != actor.pk and user.pk not in before]
    if not recipients:
        return
    where = f"a comment on {task.title}" if comment is not None else task.title
    text = comment.body if comment is not None else task.description
    notify(
        tenant=tenant, recipients=recipients, type=NotificationType.MENTIONED,
        title=f"{actor.get_full_name() or actor.email} mentioned you in {where}",
        body=text[:500],
        data={"task_id": task.pk, "team_id": task.team_id, **({"comment_id": comment.pk} if comment else {})},
    )
