"""Real processes for the service run: a Celery worker, gunicorn, and the two services' switches.

Used by the production tests (request id into a job's log), the fault drills and the backup test.
Each process runs against the test database pytest-django created, so a test that starts one must
commit its data (`django_db(transaction=True)`). Waiting is polling with a generous deadline, never
an assertion about speed.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from django.conf import settings
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
# The secret the test settings use: sessions made in the test process are valid in the servers.
SECRET_KEY = "test-only-not-secret"
POSTGRES_VERSION_DIR = Path("/etc/postgresql")

REDIS_HOST, REDIS_PORT = "127.0.0.1", 6379


def wait_until(predicate: Callable[[], Any], *, timeout: float = 60, interval: float = 0.2) -> Any:
    """Poll until `predicate()` is truthy and return its value; raise after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise TimeoutError(f"gave up waiting for {getattr(predicate, '__name__', predicate)}")
        time.sleep(interval)


def database_url() -> str:
    """The URL of the database this test runs on (pytest-django's test database)."""
    db = connection.settings_dict
    user = db.get("USER") or "postgres"
    host = db.get("HOST") or "127.0.0.1"
    port = db.get("PORT") or 5432
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    return f"postgres://{user}{password}@{host}:{port}/{db['NAME']}"


def private_broker_url(index: int = 13) -> str:
    """The configured Redis, on a database index of its own: another suite's worker on the same
    Redis cannot take this test's messages, nor this test's worker theirs."""
    parts = urlsplit(settings.CELERY_BROKER_URL or f"redis://{REDIS_HOST}:{REDIS_PORT}/0")
    return urlunsplit((parts.scheme, parts.netloc, f"/{index}", "", ""))


def service_env(**extra: str) -> dict[str, str]:
    environment = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "CELERY_"))}
    environment.update(
        DJANGO_SETTINGS_MODULE="cartography.settings.test",
        DATABASE_URL=database_url(),
        CELERY_BROKER_URL=private_broker_url(),
        PYTHONUNBUFFERED="1",
        DJANGO_LOG_FORMAT="json",
    )
    environment.update(extra)
    return environment


@contextlib.contextmanager
def broker_mode(celery_app, broker_url: str | None = None) -> Iterator[None]:
    """Publish to the real broker instead of running tasks eagerly, for the test's duration.

    Celery reads settings through the CELERY_ namespace (so the namespaced key is what must
    change) and lets the CELERY_BROKER_URL environment variable override any configured URL.
    """
    conf = celery_app.conf
    saved_eager = conf.task_always_eager
    saved_url = os.environ.get("CELERY_BROKER_URL")
    conf.CELERY_TASK_ALWAYS_EAGER = False
    os.environ["CELERY_BROKER_URL"] = broker_url or private_broker_url()
    _reset_connections(celery_app)
    try:
        yield
    finally:
        conf.CELERY_TASK_ALWAYS_EAGER = saved_eager
        if saved_url is None:
            os.environ.pop("CELERY_BROKER_URL", None)
        else:
            os.environ["CELERY_BROKER_URL"] = saved_url
        _reset_connections(celery_app)


def _reset_connections(celery_app) -> None:
    # The app caches its connection and producer pools on first use, and kombu keeps a registry
    # of them: a new broker URL needs both emptied.
    from kombu import pools

    pools.reset()
    celery_app._pool = None
    celery_app.amqp._producer_pool = None


class Process:
    """A subprocess whose output goes to a file the test can read (and print on failure)."""

    def __init__(self, args: list[str], *, env: dict[str, str], name: str) -> None:
        self.args, self.env, self.name = args, env, name
        handle, path = tempfile.mkstemp(prefix=f"{name}-", suffix=".log")
        os.close(handle)
        self.log_path = Path(path)
        self.proc: subprocess.Popen | None = None
        self._final_output: str | None = None

    def start(self) -> Process:
        log = self.log_path.open("ab")
        self.proc = subprocess.Popen(  # noqa: S603 - fixed arguments, no shell
            self.args,
            cwd=ROOT,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        log.close()
        return self

    def output(self) -> str:
        if self._final_output is not None:  # stopped: the log file is gone, its text kept
            return self._final_output
        return self.log_path.read_text(errors="replace")

    def json_lines(self) -> list[dict[str, Any]]:
        """Every JSON log object in the output (banner text and the like skipped)."""
        decoder = json.JSONDecoder()
        records = []
        for line in self.output().splitlines():
            position = line.find("{")
            while position != -1:
                try:
                    record, end = decoder.raw_decode(line, position)
                except ValueError:
                    break
                if isinstance(record, dict):
                    records.append(record)
                position = line.find("{", end)
        return records

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 20) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, sig)
        try:
            self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=10)

    def __enter__(self) -> Process:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
        self._final_output = self.output()
        if exc[0] is not None:
            sys.stderr.write(f"--- {self.name} output ---\n{self._final_output[-8000:]}\n")
        self.log_path.unlink(missing_ok=True)


def celery_worker(**env: str) -> Process:
    """A solo-pool worker: one process, so a kill or a log line is unambiguous."""
    name = f"drill-{uuid.uuid4().hex[:8]}@%h"
    args = [str(BIN / "celery"), "-A", "cartography", "worker", "--pool=solo", "-l", "info"]
    args += ["-n", name, "--without-gossip", "--without-mingle", "--without-heartbeat"]
    return Process(args, env=service_env(**env), name="worker")


def wait_ready(worker: Process, timeout: float = 90) -> None:
    def ready() -> bool:
        if not worker.alive():
            raise RuntimeError(f"the worker exited:\n{worker.output()[-4000:]}")
        return " ready." in worker.output()

    wait_until(ready, timeout=timeout)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def gunicorn(*, port: int, workers: int = 2, **env: str) -> Process:
    """The production server with production settings, HTTP on localhost (no TLS proxy here)."""
    environment = service_env(
        DJANGO_SETTINGS_MODULE="cartography.settings.production",
        DJANGO_SECRET_KEY=SECRET_KEY,
        DJANGO_ALLOWED_HOSTS="127.0.0.1,localhost",
        DJANGO_SECURE_SSL_REDIRECT="false",
        **env,
    )
    args = [str(BIN / "gunicorn"), "cartography.wsgi:application"]
    args += ["--bind", f"127.0.0.1:{port}", "--workers", str(workers), "--timeout", "60"]
    return Process(args, env=environment, name="gunicorn")


def collectstatic() -> None:
    """Production serves hashed static names from a manifest, which collectstatic writes."""
    subprocess.run(  # noqa: S603
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v", "0"],
        cwd=ROOT,
        env=service_env(
            DJANGO_SETTINGS_MODULE="cartography.settings.production",
            DJANGO_SECRET_KEY=SECRET_KEY,
            DJANGO_ALLOWED_HOSTS="127.0.0.1",
        ),
        check=True,
        timeout=300,
    )


def http_get(url: str, *, timeout: float = 30, headers: dict[str, str] | None = None):
    """(status, headers, body) for a GET, whatever the status; (None, {}, error) if no answer."""
    request = urllib.request.Request(url, headers=headers or {})  # noqa: S310 - our own server
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            return response.status, dict(response.headers), response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read().decode(errors="replace")
    except (urllib.error.URLError, OSError) as error:
        return None, {}, repr(error)


# THE SERVICES' SWITCHES (the commands .ci/run and the runbook use)
# ------------------------------------------------------------------------------
def _command(args: list[str], *, check: bool, timeout: float = 60) -> subprocess.CompletedProcess:
    """Run one of the services' fixed commands (found on PATH, as .ci/run runs them)."""
    return subprocess.run(  # noqa: S603 - fixed arguments, no shell
        args, check=check, timeout=timeout, capture_output=True, text=True
    )


def postgres_cluster_version() -> str:
    return sorted(p.name for p in POSTGRES_VERSION_DIR.iterdir())[0]


def postgres_ctl(action: str) -> None:
    version = postgres_cluster_version()
    _command(
        ["pg_ctlcluster", "--skip-systemctl-redirect", version, "main", action],
        check=True,
        timeout=120,
    )


def postgres_ready() -> bool:
    return (
        _command(["pg_isready", "-h", "127.0.0.1", "-p", "5432", "-q"], check=False).returncode == 0
    )


def redis_ping() -> bool:
    result = _command(["redis-cli", "-h", REDIS_HOST, "-p", str(REDIS_PORT), "ping"], check=False)
    return result.stdout.strip() == "PONG"


def redis_stop() -> None:
    _command(
        ["redis-cli", "-h", REDIS_HOST, "-p", str(REDIS_PORT), "shutdown", "nosave"], check=False
    )
    wait_until(lambda: not redis_ping(), timeout=30)


def redis_start() -> None:
    if redis_ping():
        return
    address = ["--bind", REDIS_HOST, "--port", str(REDIS_PORT)]
    # No persistence: a restarted Redis has lost every queued message, the drill's worst case.
    _command(
        ["redis-server", "--daemonize", "yes", *address, "--save", "", "--appendonly", "no"],
        check=True,
    )
    wait_until(redis_ping, timeout=30)
