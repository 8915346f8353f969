"""Processes the fault suite owns: MariaDB, Redis, gunicorn, Celery worker and beat."""

import contextlib
import getpass
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def port_open(port: int, timeout: float = 0.2) -> bool:
    with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=timeout):
        return True
    return False


def wait_port(port: int, seconds: float, name: str) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if port_open(port):
            return
        time.sleep(0.1)
    raise RuntimeError(f"{name} did not open port {port} within {seconds}s")


class Process:
    """A child in its own process group, so that a kill reaches its children too."""

    def __init__(self, name: str, args: list[str], env: dict, log: Path, cwd: Path = ROOT):
        self.name, self.args, self.env, self.log, self.cwd = name, args, env, log, cwd
        self.proc: subprocess.Popen | None = None
        self.supervised = False  # restarted when it dies, as systemd's Restart=always does
        self.restarts = 0

    def start(self) -> "Process":
        handle = open(self.log, "ab")  # noqa: SIM115 - the child owns it
        self.proc = subprocess.Popen(self.args, env=self.env, cwd=self.cwd, stdout=handle,  # noqa: S603
                                     stderr=subprocess.STDOUT, start_new_session=True)
        handle.close()
        return self

    @property
    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def signal(self, sig: int) -> None:
        if self.alive:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, sig)

    def stop(self, timeout: float = 20) -> None:
        self.supervised = False
        if not self.alive:
            return
        self.signal(signal.SIGCONT)
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.signal(signal.SIGKILL)
            self.proc.wait(10)
        self.signal(signal.SIGKILL)  # leftovers of the group

    def kill(self) -> None:
        self.signal(signal.SIGKILL)
        if self.proc is not None:
            self.proc.wait(10)


class Redis(Process):
    def __init__(self, name: str, tmp: Path):
        self.port = free_port()
        workdir = tmp / name
        workdir.mkdir()
        super().__init__(name, [shutil.which("redis-server") or "redis-server", "--port", str(self.port),
                                "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", str(workdir)],
                         os.environ.copy(), tmp / f"{name}.log")

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> "Redis":
        super().start()
        wait_port(self.port, 10, self.name)
        return self


class MariaDB(Process):
    """A throwaway mariadbd: its own datadir and port, root without a password on 127.0.0.1."""

    def __init__(self, name: str, tmp: Path, server_id: int = 1):
        self.port = free_port()
        self.datadir = tmp / name
        user = getpass.getuser()
        self.install_args = [shutil.which("mariadb-install-db") or "mariadb-install-db", "--no-defaults",
                             f"--datadir={self.datadir}", "--auth-root-authentication-method=normal",
                             "--skip-test-db", f"--user={user}"]
        args = [shutil.which("mariadbd") or "/usr/sbin/mariadbd", "--no-defaults", f"--datadir={self.datadir}",
                f"--port={self.port}", "--bind-address=127.0.0.1", f"--socket={self.datadir}/mysqld.sock",
                f"--pid-file={self.datadir}/mysqld.pid", "--skip-name-resolve", f"--user={user}",
                "--innodb-buffer-pool-size=64M", "--innodb-log-file-size=48M", "--max-connections=200",
                "--innodb-flush-log-at-trx-commit=1", f"--log-error={tmp / (name + '.err')}",
                f"--server-id={server_id}", f"--log-bin={self.datadir}/binlog", "--binlog-format=ROW"]
        super().__init__(name, args, os.environ.copy(), tmp / f"{name}.log")

    def install(self) -> "MariaDB":
        subprocess.run(self.install_args, check=True, stdout=subprocess.DEVNULL,  # noqa: S603
                       stderr=subprocess.DEVNULL)
        return self

    def start(self) -> "MariaDB":
        super().start()
        wait_port(self.port, 60, self.name)
        return self

    def sql(self, statement: str) -> str:
        return subprocess.run([shutil.which("mariadb") or "mariadb", "-uroot", "-h127.0.0.1",  # noqa: S603
                               f"-P{self.port}", "-e", statement], check=True, capture_output=True,
                              text=True).stdout

    def replicate_from(self, primary: "MariaDB") -> None:
        """Become a replica of `primary` from its first binlog (so it replays everything)."""
        self.sql(f"CHANGE MASTER TO MASTER_HOST='127.0.0.1', MASTER_PORT={primary.port}, MASTER_USER='root', "
                 "MASTER_PASSWORD='', MASTER_CONNECT_RETRY=1, MASTER_USE_GTID=no, "
                 "MASTER_LOG_FILE='binlog.000001', MASTER_LOG_POS=4; "
                 "START SLAVE;")

    def url(self, database: str) -> str:
        return f"mysql://root@127.0.0.1:{self.port}/{database}"


class Supervisor:
    """Restart supervised processes that die (RestartSec=2), like the systemd units in deploy/."""

    def __init__(self, processes: list):
        import threading

        self.processes = processes
        self.closing = False
        self.thread = threading.Thread(target=self.loop, daemon=True)
        self.thread.start()

    def loop(self) -> None:
        while not self.closing:
            for process in list(self.processes):
                if process.supervised and process.proc is not None and process.proc.poll() is not None:
                    time.sleep(2)
                    if self.closing or not process.supervised:
                        continue
                    print(f"   supervisor: {process.name} exited ({process.proc.returncode}); restarting it",
                          flush=True)
                    process.restarts += 1
                    process.start()
            time.sleep(0.5)
