"""Build a bench data set (bulk SQL on MariaDB, reused between runs) and probe the hot requests in-process.

Run by bench/run.py as `python -m bench.data --tasks N` with DATABASE_URL pointing at the data set's
database; prints one JSON object: credentials for the HTTP rounds, and per hot request its query count
and the EXPLAIN of its queries on the task table.
"""

import argparse
import json
import os
import sys
import time

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402

from tenancy.api.auth_serializers import TenantTokenObtainPairSerializer  # noqa: E402
from tenancy.models import Domain, Role, Tenant, TenantStatus, User  # noqa: E402
from work.models import Task, Team, TeamMember  # noqa: E402

# Bump when the generated rows change: the next run rebuilds the tasks.
DATA_VERSION = "bench data v2"
BOARD_TEAM_TASKS = 200  # the board's team keeps this many tasks whatever the data set's size
NEIGHBOUR_TASKS = 2_000
USERS_PER_TENANT = 50
TEAMS_PER_TENANT = 20
# The exports' 10x step: 10,000 payments (and invoices) beside 10k tasks, 100,000 beside 1M.
SMALL_PAYMENTS, LARGE_PAYMENTS = 10_000, 100_000


def log(message: str) -> None:
    print(f"[{connection.settings_dict['NAME']}] {message}", file=sys.stderr, flush=True)


def _tenant(slug: str, name: str) -> tuple[Tenant, User, list[int], list[int]]:
    tenant = Tenant.objects.filter(slug=slug).first()
    if tenant is None:
        tenant = Tenant.objects.create(slug=slug, name=name, status=TenantStatus.ACTIVE,
                                       contact_email=f"owner@{slug}.bench", approved_at=timezone.now())
        Domain.objects.create(tenant=tenant, host=f"{slug}.localhost", is_primary=True)
        users = [User(email=f"user{i}@{slug}.bench", tenant=tenant,
                      role=Role.TENANT_ADMIN if i == 0 else Role.MEMBER, first_name=f"User{i}",
                      last_name=name, password="!") for i in range(USERS_PER_TENANT)]
        User.objects.bulk_create(users)
        Team.objects.bulk_create([Team(tenant=tenant, name=f"Team {i:02d}") for i in range(TEAMS_PER_TENANT)])
        user_ids = list(User.objects.filter(tenant=tenant).order_by("id").values_list("id", flat=True))
        team_ids = list(Team.objects.filter(tenant=tenant).order_by("id").values_list("id", flat=True))
        TeamMember.objects.bulk_create([TeamMember(tenant=tenant, team_id=team_id, user_id=user_id)
                                        for team_id in team_ids for user_id in user_ids[:10]])
    admin = User.objects.get(email=f"user0@{slug}.bench")
    user_ids = list(User.objects.filter(tenant=tenant).order_by("id").values_list("id", flat=True))
    team_ids = list(Team.objects.filter(tenant=tenant).order_by("id").values_list("id", flat=True))
    return tenant, admin, user_ids, team_ids


def _elt(index_sql: str, values: list) -> str:
    return f"ELT({index_sql}, {', '.join(str(v) if isinstance(v, int) else repr(v) for v in values)})"


def _fill_tasks(tenant: Tenant, admin: User, user_ids: list[int], team_ids: list[int], total: int) -> None:
    have = Task.objects.filter(tenant=tenant).count()
    if have == total and tenant.contact_name == DATA_VERSION:
        return
    rebuilt = bool(have)
    if have:
        log(f"{tenant.slug}: {have} tasks, expected {total}: rebuilding")
        with connection.cursor() as cursor:
            for table in ("work_comment", "work_attachment", "work_taskactivity", "work_task"):
                cursor.execute(f"DELETE FROM {table} WHERE tenant_id = %s", [tenant.pk])
    started = time.monotonic()
    statuses = ["TODO", "IN_PROGRESS", "IN_REVIEW", "DONE"]
    board, rest = team_ids[0], team_ids[1:]
    n = f"(seq - {BOARD_TEAM_TASKS + 1})"
    team = f"IF(seq <= {BOARD_TEAM_TASKS}, {board}, {_elt(f'1 + {n} % {len(rest)}', rest)})"
    status = (f"IF(seq <= {BOARD_TEAM_TASKS}, {_elt('1 + (seq - 1) % 4', statuses)}, "
              f"{_elt(f'1 + ({n} DIV {len(rest)}) % 4', statuses)})")
    position = f"IF(seq <= {BOARD_TEAM_TASKS}, (seq - 1) DIV 4, {n} DIV {4 * len(rest)})"
    verbs = ["Fix", "Write", "Review", "Plan", "Ship", "Design", "Test", "Refactor"]
    things = ["login flow", "invoice export", "onboarding", "billing page", "search", "dashboard", "API docs",
              "mobile layout", "notifications", "reports"]
    # "checklist" is in exactly 100 titles whatever the size: search compares the same result size.
    title = (f"IF(seq % {total // 100} = 3, CONCAT('Launch checklist #', seq), "
             f"IF(seq % 1000 = 7, CONCAT('Quarterly roadmap review #', seq), "
             f"CONCAT({_elt('1 + seq % 8', verbs)}, ' ', {_elt('1 + (seq DIV 8) % 10', things)}, ' #', seq)))")
    description = ("CONCAT('Steps: open the page, check the ', "
                   f"{_elt('1 + (seq DIV 3) % 10', things)}, ', compare with the spec, write down what differs.')")
    sql = f"""
        INSERT INTO work_task (tenant_id, team_id, title, description, status, priority, assignee_id, creator_id,
                               due_on, position, completed_at, mentions, created_at, updated_at)
        SELECT {tenant.pk}, {team}, {title}, {description}, {status},
               {_elt('1 + (seq DIV 3) % 4', ['LOW', 'MEDIUM', 'HIGH', 'URGENT'])},
               IF(seq % 7 = 0, NULL, {_elt(f'1 + seq % {len(user_ids)}', user_ids)}), {admin.pk},
               IF(seq % 5 = 0, NULL, DATE_ADD('2026-01-01', INTERVAL seq % 400 DAY)), {position},
               NULL, '[]', ts, ts
        FROM (SELECT seq, DATE_SUB(UTC_TIMESTAMP(6), INTERVAL ({total} - seq) * 3 SECOND) AS ts
              FROM seq_1_to_{total}) AS numbers
    """
    with connection.cursor() as cursor:
        cursor.execute("SET SESSION unique_checks = 0, foreign_key_checks = 0")
        cursor.execute(sql)
        cursor.execute(f"UPDATE work_task SET completed_at = updated_at WHERE tenant_id = {tenant.pk} "
                       "AND status = 'DONE'")
        cursor.execute(f"""INSERT INTO work_comment (tenant_id, task_id, author_id, body, mentions, created_at)
                           SELECT tenant_id, id, creator_id, 'Looks right to me.', '[]', created_at FROM work_task
                           WHERE tenant_id = {tenant.pk} AND id % 10 = 0""")
        cursor.execute(f"""INSERT INTO work_attachment (tenant_id, task_id, file, original_name, size, content_type,
                                                        uploader_id, created_at)
                           SELECT tenant_id, id, 'bench/none.txt', 'notes.txt', 10, 'text/plain', creator_id,
                                  created_at FROM work_task WHERE tenant_id = {tenant.pk} AND id % 50 = 0""")
        cursor.execute("SET SESSION unique_checks = 1, foreign_key_checks = 1")
        if rebuilt:
            # InnoDB keeps deleted rows' ids in the FULLTEXT index until the table is rebuilt, and every
            # MATCH reads them: after deleting a million rows a search cost 0.35 s instead of 0.04 s.
            cursor.execute("OPTIMIZE TABLE work_task")
        cursor.execute("ANALYZE TABLE work_task, work_comment, work_attachment")
    Tenant.objects.filter(pk=tenant.pk).update(contact_name=DATA_VERSION)
    log(f"{tenant.slug}: {total} tasks in {time.monotonic() - started:.0f} s")


def build(total: int) -> dict:
    log("migrate")
    call_command("migrate", verbosity=0, interactive=False)
    with transaction.atomic():
        staff = User.objects.filter(email="staff@bench.bench").first()
        if staff is None:
            staff = User.objects.create_superuser(email="staff@bench.bench",
                                                  password="bench-pass-2026", role=Role.SUPER_ADMIN)
        big = _tenant("big", "Bigco")
        neighbour = _tenant("neighbour", "Neighbourco")
    _fill_tasks(*big, total)
    _fill_tasks(*neighbour, NEIGHBOUR_TASKS)
    from bench import billing_data
    payments = SMALL_PAYMENTS if total <= SMALL_PAYMENTS else LARGE_PAYMENTS
    billing_data.fill(tenants=[big[0], neighbour[0]], payments=payments, log=log)
    client = Client()
    client.force_login(staff)
    return {
        "session": client.cookies["sessionid"].value,
        "token": str(TenantTokenObtainPairSerializer.get_token(big[1]).access_token),
        "neighbour_token": str(TenantTokenObtainPairSerializer.get_token(neighbour[1]).access_token),
        "board_team": big[3][0],
        "big_tenant": big[0].pk,
    }


def probe(context: dict, requests: dict) -> dict:
    """Run each hot request once in-process: its query count and the EXPLAIN of its task-table queries."""
    from django.conf import settings

    settings.ALLOWED_HOSTS = ["*"]
    client = Client()
    client.cookies["sessionid"] = context["session"]
    out = {}
    for name, (host, url, auth) in requests.items():
        headers = {"HTTP_HOST": host}
        if auth in ("token", "neighbour"):
            headers["HTTP_AUTHORIZATION"] = f"Bearer {context['token' if auth == 'token' else 'neighbour_token']}"
        with CaptureQueriesContext(connection) as captured:
            response = client.get(url, **headers)
        if hasattr(response, "streaming_content"):
            for _chunk in response.streaming_content:
                pass
        plans = []
        for query in captured.captured_queries:
            sql = query["sql"]
            if not sql.lstrip().upper().startswith("SELECT") or ("work_task" not in sql and "billing_" not in sql):
                continue
            with connection.cursor() as cursor:
                cursor.execute("EXPLAIN " + sql)
                names = [c[0] for c in cursor.description]
                rows = [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
            plans.append({"sql": sql[:300], "time": query["time"], "plan": [
                {k: r[k] for k in ("table", "type", "key", "rows", "Extra")} for r in rows]})
        out[name] = {"status": response.status_code, "queries": len(captured.captured_queries), "plans": plans}
    return out


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--tasks", type=int, required=True)
    parser.add_argument("--probe", help="JSON file of {name: [host, url, auth]} to probe after building")
    args = parser.parse_args()
    result = build(args.tasks)
    if args.probe:
        with open(args.probe) as handle:
            result["probe"] = probe(result, json.load(handle))
    print(json.dumps(result, default=str))
