"""Run the fault suite: `python -m faults [--seconds 20] [--only redis,broker,primary,worker,restart]`."""

import argparse
import datetime
import os
import re
import shutil
import signal
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

from cryptography.fernet import Fernet

from faults.clients import Recorder, new_key, request, run_clients
from faults.servers import ROOT, VENV_BIN, MariaDB, Process, Redis, Supervisor, free_port

CLIENTS = 8
HOST = "acme.localhost"
SCENARIOS = ["restart", "redis", "replica", "broker", "primary", "worker"]


class Suite:
    def __init__(self, seconds: float, keep: bool):
        self.seconds = seconds
        self.keep = keep
        self.tmp = Path(tempfile.mkdtemp(prefix="saas-faults-"))
        self.processes: list[Process] = []
        self.rows: list[tuple[str, str, str, bool]] = []
        self.web_port = free_port()

    # --- set-up ---------------------------------------------------------------------------------

    def own(self, process):
        self.processes.append(process)
        return process

    def start_services(self) -> None:
        print(f"== own servers under {self.tmp}", flush=True)
        self.db = self.own(MariaDB("primary", self.tmp)).install().start()
        self.replica = self.own(MariaDB("replica", self.tmp, server_id=2)).install().start()
        self.replica.replicate_from(self.db)
        self.db.sql("CREATE DATABASE faults CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci")
        self.cache = self.own(Redis("cache", self.tmp)).start()
        self.broker = self.own(Redis("broker", self.tmp)).start()
        (self.tmp / "mail").mkdir()
        self.env = {
            **{k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_"))},
            "DJANGO_SETTINGS_MODULE": "project.settings",
            "DEBUG": "false",
            "SECRET_KEY": "faults-" + uuid.uuid4().hex * 2,
            "DATABASE_URL": self.db.url("faults"),
            "DATABASE_REPLICA_URL": "",
            "REDIS_URL": self.cache.url,
            "CELERY_BROKER_URL": self.broker.url,
            "SECURE_SSL_REDIRECT": "false",
            "PLATFORM_HOSTS": "localhost,127.0.0.1",
            "TENANT_BASE_DOMAIN": "localhost",
            "EMAIL_URL": f"filemail:///{self.tmp / 'mail'}",  # four slashes: an absolute path
            "FIELD_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
            "FIELD_BLIND_INDEX_KEY": uuid.uuid4().hex,
            "JWT_ACCESS_MINUTES": "120",
            "OUTBOX_RELAY_SECONDS": "2",
            "LOG_LEVEL": "WARNING",
            "GUNICORN_BIND": f"127.0.0.1:{self.web_port}",
            "GUNICORN_WORKERS": "2",
            "GUNICORN_THREADS": "4",
            "MEDIA_ROOT": str(self.tmp / "media"),
            "PYTHONPATH": str(ROOT),
        }
        os.environ.update(self.env)
        sys.path.insert(0, str(ROOT))
        import django

        django.setup()
        from django.core.management import call_command

        print("== migrate", flush=True)
        call_command("migrate", verbosity=0)
        self.seed_work()
        # Only the web reads from the replica; this process and the worker count on the primary.
        self.web_env = {**self.env, "DATABASE_REPLICA_URL": self.replica.url("faults"),
                        "REPLICA_MAX_LAG_SECONDS": "120", "REPLICA_CHECK_SECONDS": "1"}
        self.web = self.own(Process("web", [str(VENV_BIN / "gunicorn"), "-c", "deploy/gunicorn.conf.py",
                                            "project.wsgi"], self.web_env, self.tmp / "web.log")).start()
        self.worker = self.own(self.worker_process())
        self.worker.start()
        self.beat = self.own(self.beat_process("beat1")).start()
        self.worker.supervised = self.beat.supervised = True
        self.supervisor = Supervisor(self.processes)
        self.wait_web(60)

    def worker_process(self) -> Process:
        return Process("worker", [str(VENV_BIN / "celery"), "-A", "project", "worker", "--loglevel=info",
                                  "--queues=mail,celery,billing", "--concurrency=2",
                                  f"--hostname=w{uuid.uuid4().hex[:6]}@%h"],
                       self.env, self.tmp / "worker.log")

    def beat_process(self, name: str) -> Process:
        return Process(name, [str(VENV_BIN / "celery"), "-A", "project", "beat", "--loglevel=info",
                              f"--schedule={self.tmp / (name + '.db')}"], self.env, self.tmp / f"{name}.log")

    def wait_web(self, seconds: float) -> float:
        started = time.monotonic()
        while time.monotonic() - started < seconds:
            answer = request(self.web_port, "localhost", "GET", "/health/", "", timeout=2)
            if answer.status == 200:
                return time.monotonic() - started
            time.sleep(0.05)
        raise RuntimeError("gunicorn did not answer /health/")

    def seed_work(self) -> None:
        from tenancy.api.auth_serializers import TenantTokenObtainPairSerializer
        from tenancy.models import Role
        from tenancy.tests.factories import TenantFactory, UserFactory
        from work.tests.factories import TeamFactory, make_member

        tenant = TenantFactory(name="Acme", slug="acme")
        UserFactory(tenant=tenant, role=Role.TENANT_ADMIN, email="admin@acme.example")
        self.clients = []
        for i in range(CLIENTS):
            team = TeamFactory(tenant=tenant, name=f"Team {i}")
            user = UserFactory(tenant=tenant, role=Role.MEMBER, email=f"member{i}@acme.example")
            assignee = UserFactory(tenant=tenant, role=Role.MEMBER, email=f"assignee{i}@acme.example")
            make_member(team, user)
            make_member(team, assignee)
            token = str(TenantTokenObtainPairSerializer.get_token(user).access_token)
            reader = str(TenantTokenObtainPairSerializer.get_token(assignee).access_token)
            self.clients.append({"team": team.pk, "assignee": assignee.pk, "token": token, "reader": reader})

    def stop_all(self) -> None:
        if getattr(self, "supervisor", None):
            self.supervisor.closing = True
        for process in reversed(self.processes):
            try:
                process.stop()
            except Exception as exc:  # noqa: BLE001 - stop the others anyway
                print(f"could not stop {process.name}: {exc}")
        if not self.keep:
            shutil.rmtree(self.tmp, ignore_errors=True)

    def record(self, fault: str, measured: str, goal: str, ok: bool) -> None:
        self.rows.append((fault, measured, goal, ok))
        print(f"   {'PASS' if ok else 'FAIL'}  {fault}: {measured} (goal: {goal})", flush=True)

    # --- client work ------------------------------------------------------------------------------

    def read(self, index: int, iteration: int):
        return request(self.web_port, HOST, "GET", "/api/tasks/?page_size=10", self.clients[index]["token"])

    def write(self, tag: str):
        def work(index: int, iteration: int):
            client = self.clients[index]
            payload = {"team": client["team"], "assignee": client["assignee"],
                       "title": f"{tag}-{index}-{iteration}-{uuid.uuid4().hex[:8]}"}
            return request(self.web_port, HOST, "POST", "/api/tasks/", client["token"], payload, key=new_key())
        return work

    def under_load(self, work, timeline):
        """Run the clients while `timeline` (a list of (delay, action)) runs; return the recorder and marks."""
        recorder = Recorder()
        total = sum(delay for delay, _ in timeline) + 3
        thread = threading.Thread(target=run_clients, args=(CLIENTS, total, work, recorder), daemon=True)
        marks = []
        thread.start()
        for delay, action in timeline:
            time.sleep(delay)
            marks.append(time.monotonic())
            action()
        thread.join()
        return recorder, marks

    # --- scenarios ----------------------------------------------------------------------------------

    def scenario_restart(self) -> None:
        print("== restart: gunicorn stopped and started as systemd would (no migrate, no collectstatic)", flush=True)
        started = time.monotonic()
        self.web.stop()
        self.web.start()
        self.wait_web(60)
        closed = time.monotonic() - started
        self.record("web restart", f"port closed {closed:.1f} s", "< 15 s", closed < 15)

    def scenario_redis(self) -> None:
        f = self.seconds
        print(f"== redis: cache Redis killed for {f:.0f} s, then hung (SIGSTOP) for {f:.0f} s, {CLIENTS} readers",
              flush=True)
        recorder, marks = self.under_load(self.read, [
            (3, self.cache.kill), (f, self.cache.start),
            (3, lambda: self.cache.signal(signal.SIGSTOP)), (f, lambda: self.cache.signal(signal.SIGCONT)),
        ])
        before = recorder.between(0, marks[0])
        slow_before = sum(1 for a in before if a.seconds > 1)
        print(f"   baseline before the fault: {len(before)} reads, {slow_before} > 1 s, "
              f"slowest {max((a.seconds for a in before), default=0):.2f} s", flush=True)
        for name, (start, end) in {"killed": (marks[0], marks[1]), "hung": (marks[2], marks[3])}.items():
            window = recorder.between(start, end)
            failed = sum(1 for a in window if a.status != 200)
            blocked = sum(1 for a in window if a.seconds > 1)
            slowest = max((a.seconds for a in window), default=0)
            # A loaded machine makes some reads slow without any fault: the check allows the baseline's
            # share of slow reads (printed above), never a failed one.
            allowed = len(window) * slow_before / max(len(before), 1) * 1.5
            if blocked:
                late = sorted((a.started - start, a.seconds) for a in window if a.seconds > 1)
                print(f"   slow reads while {name} (s after the fault began, duration): "
                      + ", ".join(f"{t:.1f}:{d:.2f}" for t, d in late), flush=True)
            self.record(f"Redis {name} {f:.0f} s", f"{len(window)} reads, {failed} failed, {blocked} > 1 s "
                        f"(slowest {slowest:.2f} s; baseline allows {allowed:.0f})", "0 failed, 0 > 1 s",
                        failed == 0 and blocked <= allowed)

    def scenario_replica(self) -> None:
        f = self.seconds
        print(f"== replica: replica killed for {f:.0f} s under {CLIENTS} readers; then replication delayed 20 s "
              "and an author reads its own new task with only its bearer token", flush=True)
        recorder, marks = self.under_load(self.read, [(3, self.replica.kill), (f, self.replica.start)])
        window = recorder.between(marks[0], marks[1])
        failed = sum(1 for a in window if a.status != 200)
        self.record(f"replica down {f:.0f} s", f"{len(window)} reads, {failed} failed", "0 failed", failed == 0)
        health = request(self.web_port, "localhost", "GET", "/health/ready/", "", timeout=10)
        print(f"   /health/ready/ after the restart: {health.status} replica={(health.body or {}).get('replica')}")
        self.replica.sql("STOP SLAVE; CHANGE MASTER TO MASTER_DELAY=20; START SLAVE;")
        time.sleep(3)
        own, stale = 0, 0
        for client in self.clients:
            created = request(self.web_port, HOST, "POST", "/api/tasks/", client["token"],
                              {"team": client["team"], "title": f"replica-{uuid.uuid4().hex[:8]}"})
            task_id = (created.body or {}).get("id")
            mine = request(self.web_port, HOST, "GET", f"/api/tasks/{task_id}/", client["token"])
            other = request(self.web_port, HOST, "GET", f"/api/tasks/{task_id}/", client["reader"])
            own += mine.status == 200
            stale += other.status == 404
        self.replica.sql("STOP SLAVE; CHANGE MASTER TO MASTER_DELAY=0; START SLAVE;")
        self.record("replica lagging 20 s", f"{own} of {CLIENTS} authors read their new task at once (bearer token, "
                    f"no cookie); {stale} of {CLIENTS} other readers did not see it yet (the replica really lagged)",
                    f"{CLIENTS} of {CLIENTS}", own == CLIENTS)

    def _drain_outbox(self, seconds: float) -> int:
        from django.db import connections

        from ops.models import OutboxMessage

        deadline = time.monotonic() + seconds
        while True:
            connections.close_all()
            waiting = OutboxMessage.objects.filter(delivered_at__isnull=True).count()
            if waiting == 0 or time.monotonic() > deadline:
                return waiting
            time.sleep(1)

    def _mails_with(self, marker: str) -> int:
        count = 0
        for path in (self.tmp / "mail").glob("*"):
            count += len(re.findall(rf"^Subject: .*{re.escape(marker)}", path.read_text(errors="replace"), re.M))
        return count

    def scenario_broker(self) -> None:
        from django.db import connections

        from work.models import Task, TaskAction, TaskActivity

        f = self.seconds
        print(f"== broker: broker Redis down for {f:.0f} s, {CLIENTS} writers (a task + an e-mail each)", flush=True)
        recorder, marks = self.under_load(self.write("broker"), [(3, self.broker.kill), (f, self.broker.start)])
        waiting = self._drain_outbox(120)
        connections.close_all()
        titles = {a.payload["title"]: a for a in recorder.answers}
        created = set(Task.objects.filter(title__startswith="broker-").values_list("title", flat=True))
        errors_committed = sum(1 for t, a in titles.items() if not 200 <= a.status < 300 and t in created)
        errors = sum(1 for a in titles.values() if not 200 <= a.status < 300)
        during = recorder.between(marks[0], marks[1])
        self.record(f"broker down {f:.0f} s", f"{len(titles)} writes ({len(during)} during the outage), {errors} "
                    f"answered with an error, {errors_committed} of them committed",
                    "0 committed writes answered with an error", errors_committed == 0)
        mails = self._mails_with("Task assigned to you: broker-")
        self.record("broker down: e-mails", f"{len(created)} tasks, {mails} e-mails sent, {waiting} outbox rows "
                    f"still waiting", "0 lost", mails == len(created) and waiting == 0)
        tasks = Task.objects.filter(title__startswith="broker-")
        missing = tasks.exclude(pk__in=TaskActivity.objects.filter(action=TaskAction.CREATED).values("task_id"))
        self.record("broker down: activity rows", f"{missing.count()} of {tasks.count()} tasks without their "
                    f"'created' row", "0 missing", not missing.exists())

    def scenario_primary(self) -> None:
        from django.db import connections

        from work.models import Task, TaskAction, TaskActivity

        down = max(self.seconds / 2, 5)
        print(f"== primary: MariaDB killed (SIGKILL) for {down:.0f} s, {CLIENTS} writers with Idempotency-Key",
              flush=True)
        recorder, _marks = self.under_load(self.write("primary"), [(3, self.db.kill), (down, self.db.start)])
        failed = [a for a in recorder.answers if not 200 <= a.status < 300]
        honest = [a for a in failed if a.status == 503 and a.retry_after and (a.body or {}).get("code") ==
                  "service_unavailable"]
        statuses = sorted({a.status for a in failed})
        self.record(f"primary down {down:.0f} s", f"{len(recorder.answers)} writes, {len(failed)} failed, "
                    f"{len(honest)} of them 503 + Retry-After (statuses {statuses})",
                    "every failure a 503 with Retry-After", len(honest) == len(failed))
        # Clients retry what failed, with the same key and body, once the primary is back.
        retried_ok = 0
        for answer in failed:
            for _ in range(20):
                client = self.clients[int(answer.payload["title"].split("-")[1])]
                again = request(self.web_port, HOST, "POST", "/api/tasks/", client["token"], answer.payload,
                                key=answer.key)
                if 200 <= again.status < 300:
                    retried_ok += 1
                    break
                time.sleep(0.5)
        connections.close_all()
        titles = [a.payload["title"] for a in recorder.answers]
        counts = dict.fromkeys(titles, 0)
        for title in Task.objects.filter(title__startswith="primary-").values_list("title", flat=True):
            counts[title] = counts.get(title, 0) + 1
        duplicates = sum(1 for c in counts.values() if c > 1)
        missing = sum(1 for c in counts.values() if c == 0)
        self.record("primary down: retries with the same key", f"{retried_ok} of {len(failed)} retried, "
                    f"{duplicates} duplicated, {missing} missing", "exactly one object per request",
                    duplicates == 0 and missing == 0)
        tasks = Task.objects.filter(title__startswith="primary-")
        half = tasks.exclude(pk__in=TaskActivity.objects.filter(action=TaskAction.CREATED).values("task_id"))
        self.record("primary down: half-written rows", f"{half.count()} of {tasks.count()} tasks without their "
                    "'created' activity", "0", not half.exists())

    def scenario_worker(self) -> None:
        from django.db import connections

        from billing.models import Invoice, Subscription
        from billing.tasks import run_billing_cycle
        from billing.tests.factories import PlanFactory, SubscriptionFactory
        from ops.models import OutboxMessage

        print("== worker: billing cycle for 300 companies, worker killed (kill -9) mid-cycle and restarted; "
              "a second beat started", flush=True)
        connections.close_all()
        today = datetime.date.today()
        plan = PlanFactory(code="faults")
        for _ in range(300):
            SubscriptionFactory(plan=plan, current_period_start=today - datetime.timedelta(days=27),
                                current_period_end=today + datetime.timedelta(days=3))
        subscription_ids = list(Subscription.objects.filter(plan=plan).values_list("pk", flat=True))
        beat2 = self.own(self.beat_process("beat2")).start()
        beats_started = time.monotonic()
        time.sleep(1)
        started = time.monotonic()
        run_billing_cycle.delay(on=today.isoformat())
        while Invoice.objects.filter(subscription_id__in=subscription_ids).count() < 30:
            if time.monotonic() - started > 120:
                break
            time.sleep(0.2)
        self.worker.kill()  # kill -9 of the worker and its pool; the supervisor restarts it (RestartSec=2)
        killed_at = Invoice.objects.filter(subscription_id__in=subscription_ids).count()
        deadline = time.monotonic() + 240
        while time.monotonic() < deadline:
            connections.close_all()
            if Invoice.objects.filter(subscription_id__in=subscription_ids).values("subscription_id").distinct() \
                    .count() >= 300:
                break
            time.sleep(1)
        self._drain_outbox(90)
        connections.close_all()
        invoices = Invoice.objects.filter(subscription_id__in=subscription_ids)
        invoiced = invoices.values("subscription_id").distinct().count()
        duplicates = invoices.count() - invoiced
        numbers = sorted(int(n.rsplit("-", 1)[1]) for n in Invoice.objects.exclude(number="").exclude(
            number__isnull=True).values_list("number", flat=True))
        gaps = (numbers[-1] - numbers[0] + 1 - len(numbers)) if numbers else 0
        rows = OutboxMessage.objects.filter(task="billing.tasks.run_billing_cycle_for_tenant")
        stuck = max(((r.delivered_at - r.created_at).total_seconds() for r in rows if r.delivered_at), default=0)
        undelivered = rows.filter(delivered_at__isnull=True).count()
        self.record("worker killed mid-cycle", f"killed after {killed_at} invoices; {invoiced} of 300 companies "
                    f"invoiced, {duplicates} duplicates, {gaps} gaps, slowest job {stuck:.0f} s after fan-out, "
                    f"{undelivered} undelivered", "300 of 300, 0, 0, < 60 s",
                    invoiced == 300 and duplicates == 0 and gaps == 0 and stuck < 60 and undelivered == 0)
        window = time.monotonic() - beats_started
        sends = {}
        for beat in (self.beat, beat2):
            text = beat.log.read_text(errors="replace")
            sends[beat.name] = len(re.findall(r"Sending due task ops: outbox relay", text))
        beat2.stop()
        active = [name for name, count in sends.items() if count]
        self.record("two beats", f"sends per beat {sends} over the run ({window:.0f} s with both up)",
                    "one beat sends, the other waits", len(active) == 1)

    def report(self) -> bool:
        restarts = {p.name: p.restarts for p in self.processes if p.restarts}
        print(f"\nprocesses restarted by the supervisor (systemd's Restart=always): {restarts or 'none'}")
        print("\n| fault | measured | goal | result |\n|---|---|---|---|")
        for fault, measured, goal, ok in self.rows:
            print(f"| {fault} | {measured} | {goal} | {'pass' if ok else 'FAIL'} |")
        return all(ok for *_, ok in self.rows)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=float(os.environ.get("FAULT_SECONDS", 20)))
    parser.add_argument("--only", default=",".join(SCENARIOS))
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder (logs) afterwards")
    args = parser.parse_args()
    suite = Suite(args.seconds, args.keep)
    started = time.monotonic()
    try:
        suite.start_services()
        for name in args.only.split(","):
            getattr(suite, f"scenario_{name.strip()}")()
    finally:
        suite.stop_all()
    ok = suite.report()
    print(f"\nfault suite: {'passed' if ok else 'FAILED'} in {time.monotonic() - started:.0f} s")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
