"""`make bench`: the 10k and 1M data sets side by side, served by gunicorn (gthread), measured interleaved.

Prints the issue-14 table (p50/p95 per request, medians of the rounds), the DRF-vs-plain-view ratio,
queries per request and the EXPLAIN of every hot query. Environment: BENCH_ROUNDS (default 3),
BENCH_SAMPLES (requests per round and side, default 5), BENCH_TIMEOUT (seconds, default 60),
BENCH_BIG (tasks of the large set, default 1000000), BENCH_ONLY (comma-separated row names).
"""

import base64
import hashlib
import http.client
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # `python bench/run.py` imports bench.exports
PYTHON = sys.executable
GUNICORN = str(Path(sys.executable).parent / "gunicorn")
ROUNDS = int(os.environ.get("BENCH_ROUNDS", 3))
SAMPLES = int(os.environ.get("BENCH_SAMPLES", 5))
TIMEOUT = float(os.environ.get("BENCH_TIMEOUT", 60))
BIG = int(os.environ.get("BENCH_BIG", 1_000_000))
SMALL = 10_000
DATABASES = {"10k": ("saas_bench_10k", SMALL, 8741), "1M": ("saas_bench", BIG, 8742)}
REDIS = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/14")
# A fixed key for the bench's throw-away data (production sets its own, see README).
BENCH_KEY = base64.urlsafe_b64encode(hashlib.sha256(b"make bench only").digest()).decode()

BIG_HOST = "big.localhost"
NEIGHBOUR_HOST = "neighbour.localhost"
PLATFORM_HOST = "localhost"


def rows(ctx: dict) -> dict:
    """name -> (host, path, auth): the table's rows; `ctx` holds the data set's ids."""
    return {
        "GET /api/tasks/?page_size=50 (page 1)": (BIG_HOST, "/api/tasks/?page_size=50", "token"),
        "same, a deep cursor page": (BIG_HOST, None, "token"),  # filled from page 1's next link
        "same, ?page=100 (page numbers)": (BIG_HOST, "/api/tasks/?page_size=50&page=100", "token"),
        "GET /api/tasks/?search=checklist (100 matches)": (BIG_HOST, "/api/tasks/?page_size=50&search=checklist",
                                                            "token"),
        "GET /api/tasks/?status=DONE&ordering=due_on": (
            BIG_HOST, "/api/tasks/?page_size=50&status=DONE&ordering=due_on", "token"),
        "/api/tasks/board/ (one team)": (BIG_HOST, f"/api/tasks/board/?team={ctx['board_team']}", "token"),
        "/admin/work/task/ changelist": (PLATFORM_HOST, "/admin/work/task/", "session"),
        "changelist filtered by company and status": (
            PLATFORM_HOST, f"/admin/work/task/?tenant__id__exact={ctx['big_tenant']}&status__exact=DONE", "session"),
        "changelist search q=checklist": (PLATFORM_HOST, "/admin/work/task/?q=checklist", "session"),
        "/admin/billing/payment/ changelist": (PLATFORM_HOST, "/admin/billing/payment/", "session"),
        "/admin/ dashboard": (PLATFORM_HOST, "/admin/", "session"),
        "neighbour's task list (noisy neighbour)": (NEIGHBOUR_HOST, "/api/tasks/?page_size=50", "neighbour"),
    }


def sh(*args, env=None, **kwargs):
    result = subprocess.run(args, check=False, cwd=ROOT, env=env, **kwargs)
    if result.returncode:
        sys.stderr.write(result.stderr or "")
        result.check_returncode()
    return result


def base_env(database: str, prefix: str) -> dict:
    return {**os.environ, "DATABASE_URL": f"mysql://root@127.0.0.1:3306/{database}", "REDIS_URL": REDIS,
            "BENCH_CACHE_PREFIX": prefix, "DJANGO_SETTINGS_MODULE": "bench.settings", "DEBUG": "false",
            "SECRET_KEY": "bench-only-secret-key-0123456789abcdefghijklmnopqrstuvwxyz",
            "SECURE_SSL_REDIRECT": "false",
            "MEDIA_ROOT": "/tmp/media-bench", "JWT_ACCESS_MINUTES": "600", "CELERY_BROKER_URL": "",
            "PYTHONPATH": str(ROOT), "FIELD_ENCRYPTION_KEYS": BENCH_KEY, "FIELD_BLIND_INDEX_KEY": BENCH_KEY,
            # Filling the 1M set runs statements of minutes on a loaded machine (the app's default is 30 s).
            "DB_READ_TIMEOUT": "3600", "DB_WRITE_TIMEOUT": "3600"}


def build_and_probe(label: str) -> dict:
    database, tasks, _port = DATABASES[label]
    sh("mariadb", "-uroot", "-h127.0.0.1", "-e",
       f"CREATE DATABASE IF NOT EXISTS {database} CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci")
    ctx_probe = {"board_team": "{board_team}", "big_tenant": "{big_tenant}"}
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as handle:
        json.dump({name: spec for name, spec in rows(ctx_probe).items() if spec[1]}, handle)
    started = time.monotonic()
    out = sh(PYTHON, "-m", "bench.data", "--tasks", str(tasks), env=base_env(database, label),
             capture_output=True, text=True)
    sys.stderr.write(out.stderr)
    ctx = json.loads(out.stdout)
    # Probe again now that the ids are known.
    with open(handle.name, "w") as probe_file:
        json.dump({name: spec for name, spec in rows(ctx).items() if spec[1]}, probe_file)
    out = sh(PYTHON, "-m", "bench.data", "--tasks", str(tasks), "--probe", handle.name,
             env=base_env(database, label), capture_output=True, text=True)
    sys.stderr.write(out.stderr)
    ctx = json.loads(out.stdout)
    print(f"data set {label}: ready in {time.monotonic() - started:.0f} s", file=sys.stderr)
    return ctx


class Server:
    def __init__(self, label: str):
        database, _tasks, self.port = DATABASES[label]
        self.process = subprocess.Popen(
            [GUNICORN, "bench.wsgi", "--worker-class", "gthread", "--workers", "1", "--threads", "4",
             "--bind", f"127.0.0.1:{self.port}", "--timeout", str(round(TIMEOUT) + 30), "--log-level", "warning"],
            cwd=ROOT, env=base_env(database, label))
        for _ in range(100):
            try:
                http.client.HTTPConnection("127.0.0.1", self.port, timeout=2).request("GET", "/health/")
                return
            except OSError:
                time.sleep(0.2)
        raise RuntimeError(f"gunicorn on {self.port} did not start")

    def stop(self):
        self.process.terminate()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:  # a thread stuck in a long query
            self.process.kill()
            self.process.wait()


def fetch(port: int, host: str, path: str, auth: str, ctx: dict) -> tuple[float, int, bytes]:
    headers = {"Host": host, "X-Forwarded-Proto": "https"}
    if auth == "token":
        headers["Authorization"] = f"Bearer {ctx['token']}"
    elif auth == "neighbour":
        headers["Authorization"] = f"Bearer {ctx['neighbour_token']}"
    elif auth == "session":
        headers["Cookie"] = f"sessionid={ctx['session']}"
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=TIMEOUT)
    started = time.perf_counter()
    try:
        connection.request("GET", path, headers=headers)
        response = connection.getresponse()
        body = response.read()
    except TimeoutError:
        return TIMEOUT, 0, b""
    finally:
        connection.close()
    return time.perf_counter() - started, response.status, body


def deep_cursor_path(port: int, ctx: dict, pages: int = 100) -> str | None:
    """Follow `next` links from a cursor page 1 `pages` times; the path of the last one."""
    path = "/api/tasks/?page_size=50&cursor="
    for _ in range(pages):
        _elapsed, status, body = fetch(port, BIG_HOST, path, "token", ctx)
        if status != 200:
            return None
        link = json.loads(body).get("next")
        if not link:
            return None
        path = link.split("localhost", 1)[-1]
    return path


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def fmt(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    if seconds >= TIMEOUT:
        return f"timeout {TIMEOUT:.0f} s"
    return f"{seconds * 1000:.0f} ms" if seconds < 10 else f"{seconds:.1f} s"


def measure_table(servers: dict, contexts: dict) -> list[tuple]:
    only = [s.strip() for s in os.environ.get("BENCH_ONLY", "").split(",") if s.strip()]
    paths = {label: rows(contexts[label]) for label in servers}
    for label, server in servers.items():
        deep = deep_cursor_path(server.port, contexts[label])
        host, _path, auth = paths[label]["same, a deep cursor page"]
        paths[label]["same, a deep cursor page"] = (host, deep, auth)
    table = []
    for name in rows(contexts["10k"]):
        if only and not any(o in name for o in only):
            continue
        samples = {label: [] for label in servers}
        medians = {label: [] for label in servers}
        statuses = {label: set() for label in servers}
        timed_out = dict.fromkeys(servers, False)
        for _round in range(ROUNDS):
            per_round = {label: [] for label in servers}
            for _sample in range(SAMPLES):
                for label, server in servers.items():  # interleaved: 10k, 1M, 10k, 1M ...
                    host, path, auth = paths[label][name]
                    if path is None or timed_out[label]:
                        continue
                    elapsed, status, _body = fetch(server.port, host, path, auth, contexts[label])
                    statuses[label].add(status)
                    timed_out[label] = elapsed >= TIMEOUT
                    per_round[label].append(elapsed)
                    samples[label].append(elapsed)
            for label in servers:
                if per_round[label]:
                    medians[label].append(statistics.median(per_round[label]))
        result = {}
        for label in servers:
            if not samples[label]:
                result[label] = (None, None)
            else:
                result[label] = (statistics.median(medians[label]), percentile(samples[label], 0.95))
        table.append((name, result, statuses))
        small, big = result["10k"][0], result["1M"][0]
        ratio = f"{big / small:.1f}x" if small and big else "-"
        print(f"  {name}: 10k {fmt(small)} / 1M {fmt(big)} ({ratio}) statuses {statuses}", file=sys.stderr)
    return table


def throughput(port: int, host: str, path: str, ctx: dict, seconds: float = 8, clients: int = 4) -> tuple:
    """Requests per second and p95 of `clients` concurrent loops for `seconds`."""
    latencies, stop = [], time.monotonic() + seconds
    lock = threading.Lock()

    def loop():
        while time.monotonic() < stop:
            elapsed, status, _ = fetch(port, host, path, "token", ctx)
            if status == 200:
                with lock:
                    latencies.append(elapsed)

    threads = [threading.Thread(target=loop) for _ in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return len(latencies) / seconds, percentile(latencies, 0.95) if latencies else None


def main() -> None:
    if not shutil.which("mariadb"):
        sys.exit("make bench needs MariaDB (127.0.0.1:3306, root) and Redis.")
    load_before = os.getloadavg()
    contexts = {label: build_and_probe(label) for label in DATABASES}
    servers = {label: Server(label) for label in DATABASES}
    try:
        print("\nmeasuring (interleaved 10k / 1M) ...", file=sys.stderr)
        table = measure_table(servers, contexts)
        ratio_rows = []
        only = os.environ.get("BENCH_ONLY", "")
        if not only or "drf" in only.lower():  # BENCH_ONLY=...,drf also measures the DRF-vs-plain ratio
            for round_ in range(ROUNDS):
                # Alternate which side goes first, so that a change in the machine's load hits both alike.
                sides = [("drf", "/api/tasks/?page_size=50"), ("plain", "/bench/plain-tasks/")]
                measured = {side: throughput(servers["10k"].port, BIG_HOST, path, contexts["10k"])
                            for side, path in (sides if round_ % 2 == 0 else sides[::-1])}
                ratio_rows.append((measured["drf"], measured["plain"]))
    finally:
        for server in servers.values():
            server.stop()

    print(f"\n## Bench ({ROUNDS} rounds x {SAMPLES} requests per side, interleaved; p50 = median of the "
          f"rounds' medians)\n")
    print(f"Machine: {os.cpu_count()} cores, load average {load_before[0]:.1f} before the run, "
          f"{os.getloadavg()[0]:.1f} after the measurements.\n")
    print("| what | 10k tasks | 1M tasks | ratio |")
    print("|---|---|---|---|")
    for name, result, _statuses in table:
        (s50, s95), (b50, b95) = result["10k"], result["1M"]
        ratio = f"{b50 / s50:.1f}x" if s50 and b50 else "-"
        print(f"| {name} | p50 {fmt(s50)}, p95 {fmt(s95)} | p50 {fmt(b50)}, p95 {fmt(b95)} | {ratio} |")
    if ratio_rows:
        drf_rps = statistics.median(r[0][0] for r in ratio_rows)
        plain_rps = statistics.median(r[1][0] for r in ratio_rows)
        drf_p95 = statistics.median(r[0][1] for r in ratio_rows)
        plain_p95 = statistics.median(r[1][1] for r in ratio_rows)
        print(f"\nDRF task list vs plain Django view (10k set, 50 rows, 4 clients): {drf_rps:.1f} vs "
              f"{plain_rps:.1f} req/s = {100 * drf_rps / plain_rps:.0f}%; p95 {fmt(drf_p95)} vs {fmt(plain_p95)} "
              f"= {drf_p95 / plain_p95:.2f}x")
    print("\n## Queries per request and EXPLAIN (1M set)\n")
    for name, info in contexts["1M"]["probe"].items():
        small = contexts["10k"]["probe"].get(name, {})
        print(f"### {name}: status {info['status']}, {info['queries']} queries (10k: {small.get('queries')})")
        for plan in info["plans"]:
            print(f"- {float(plan['time']) * 1000:.0f} ms `{plan['sql'][:160]}...`")
            for step in plan["plan"]:
                print(f"    {step['table']}: type={step['type']} key={step['key']} rows={step['rows']} "
                      f"extra={step['Extra'] or ''}")
    if not os.environ.get("BENCH_ONLY"):
        from bench import exports

        exports.main({"10k": base_env(DATABASES["10k"][0], "10k"), "100k": base_env(DATABASES["1M"][0], "1M")})
        sh(PYTHON, "-m", "bench.pdf", env=base_env(DATABASES["10k"][0], "10k"))


if __name__ == "__main__":
    main()
