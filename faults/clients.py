"""Eight HTTP clients that record every answer (status, time, Retry-After)."""

import http.client
import json
import threading
import time
import uuid
from dataclasses import dataclass, field


@dataclass
class Answer:
    started: float
    seconds: float
    status: int  # 0: no answer (connection refused, timeout)
    retry_after: str | None = None
    body: dict | None = None
    key: str = ""
    payload: dict | None = None


@dataclass
class Recorder:
    answers: list = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, answer: Answer) -> None:
        with self.lock:
            self.answers.append(answer)

    def between(self, start: float, end: float) -> list[Answer]:
        return [a for a in self.answers if start <= a.started < end]


def request(port: int, host: str, method: str, path: str, token: str, payload: dict | None = None,
            key: str = "", timeout: float = 30) -> Answer:
    headers = {"Host": host, "Authorization": f"Bearer {token}", "Accept": "application/json"}
    body = None
    if payload is not None:
        body = json.dumps(payload)
        headers["Content-Type"] = "application/json"
    if key:
        headers["Idempotency-Key"] = key
    started = time.monotonic()
    try:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
        conn.request(method, path, body=body, headers=headers)
        response = conn.getresponse()
        raw = response.read()
        conn.close()
    except OSError:
        return Answer(started, time.monotonic() - started, 0, key=key, payload=payload)
    try:
        parsed = json.loads(raw) if raw else None
    except ValueError:
        parsed = {"raw": raw[:200].decode(errors="replace")}
    return Answer(started, time.monotonic() - started, response.status, response.getheader("Retry-After"),
                  parsed, key, payload)


def run_clients(count: int, seconds: float, work, recorder: Recorder) -> None:
    """Run `work(client_index, iteration) -> Answer` in `count` threads for `seconds`."""
    stop = time.monotonic() + seconds

    def loop(index: int) -> None:
        iteration = 0
        while time.monotonic() < stop:
            recorder.add(work(index, iteration))
            iteration += 1

    threads = [threading.Thread(target=loop, args=(i,), daemon=True) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def new_key() -> str:
    return str(uuid.uuid4())
