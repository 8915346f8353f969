"""Export timings for `make bench`: 10k vs 100k rows, CSV and XLSX, each run in a fresh process.

The driver (no Django) runs `python -m bench.exports --one MODEL FORMAT` against the 10k data set's
database (10,000 payments and invoices) and the 1M one (100,000), three times each, and prints the
median seconds, t(100k)/t(10k) (goal <= 11) and the peak memory the export added (flat = the same).
"""

import json
import os
import statistics
import subprocess
import sys
import time

EXPORTS = [("payment", "csv"), ("payment", "xlsx"), ("invoice", "csv"), ("invoice", "xlsx")]


def one(model: str, file_format: str) -> dict:
    import resource

    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
    django.setup()
    from django.conf import settings
    from django.contrib import admin
    from django.test import Client

    from tenancy.models import User

    settings.ALLOWED_HOSTS = ["*"]
    model_admin = next(a for m, a in admin.site._registry.items() if m._meta.model_name == model)
    resource_class = model_admin.get_export_resource_classes(None)[0]
    prefix = resource_class.__name__.lower()
    fields = list(resource_class().get_export_order())
    client = Client()
    client.force_login(User.objects.get(email="staff@bench.bench"))
    data = {"format": "0" if file_format == "csv" else "1", "resource": "0", **{f"{prefix}_{f}": "on" for f in fields}}
    path = f"/admin/billing/{model}/export/" + ("?verification=all" if model == "payment" else "")
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.perf_counter()
    response = client.post(path, data, HTTP_HOST="localhost", HTTP_X_FORWARDED_PROTO="https")
    size = lines = 0
    for chunk in response.streaming_content:
        size += len(chunk)
        lines += chunk.count(b"\n")
    elapsed = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return {"status": response.status_code, "seconds": elapsed, "bytes": size, "csv_lines": lines,
            "added_mb": (peak - before) / 1024}


def main(env_for: dict) -> None:
    """`env_for`: {"10k": env, "100k": env} (the data sets' environments)."""
    runs = int(os.environ.get("BENCH_EXPORT_RUNS", 3))
    print(f"\n## Exports (fresh process each, median of {runs}; memory = peak RSS the export added)\n")
    print("| export | 10k rows | 100k rows | t(100k)/t(10k) (goal <= 11) | memory 10k / 100k |")
    print("|---|---|---|---|---|")
    for model, file_format in EXPORTS:
        results = {}
        for label, env in env_for.items():
            runs = []
            for _ in range(int(os.environ.get("BENCH_EXPORT_RUNS", 3))):
                out = subprocess.run([sys.executable, "-m", "bench.exports", "--one", model, file_format], env=env,
                                     capture_output=True, text=True, check=True)
                runs.append(json.loads(out.stdout.strip().splitlines()[-1]))
            results[label] = (statistics.median(r["seconds"] for r in runs), max(r["added_mb"] for r in runs),
                              runs[0]["status"])
        (small, small_mb, s1), (big, big_mb, s2) = results["10k"], results["100k"]
        print(f"| {model} {file_format.upper()} (HTTP {s1}/{s2}) | {small:.2f} s | {big:.2f} s | {big / small:.1f} | "
              f"{small_mb:.0f} MB / {big_mb:.0f} MB |", flush=True)


if __name__ == "__main__":
    if sys.argv[1:2] == ["--one"]:
        print(json.dumps(one(sys.argv[2], sys.argv[3])))
