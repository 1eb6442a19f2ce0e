"""Real processes for the service run: a Celery worker and gunicorn.

Used by the service tests (tests/services/: a request id into a job's log, the fault drills, the
backup test). Each process runs against the test database pytest-django created on the run's
private PostgreSQL, and publishes to the run's private Redis (tests/services/instances.py): never
to the services DATABASE_URL and CELERY_BROKER_URL name. A test that starts one must commit its
data (`django_db(transaction=True)`). Waiting is polling with a generous deadline, never an
assertion about speed.
"""

from __future__ import annotations

import contextlib
import functools
import json
import os
import signal
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

from django.db import connection

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
# The secret the test settings use: sessions made in the test process are valid in the servers.
SECRET_KEY = "test-only-not-secret"


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
    """The URL of the database this test runs on: pytest-django's test database, on the run's
    private PostgreSQL (never the one DATABASE_URL names)."""
    from tests.services import instances

    private = instances.active().postgres
    db = connection.settings_dict
    if connection.vendor != "postgresql" or str(db.get("PORT")) != str(private.port):
        raise RuntimeError(
            "The test database is not on the run's private PostgreSQL: the service tests run on "
            "their own (`pytest -m services`): tests/services/conftest.py points Django at it."
        )
    return private.url(db["NAME"])


def private_broker_url(index: int = 0) -> str:
    """The run's private Redis (tests/services/instances.py), on database `index`; fails when none
    is running, so that no worker or server ever falls back on the machine's Redis."""
    from tests.services import instances

    return instances.active().redis.url(index)


# What the environment may name that the started processes must not inherit.
_SERVICE_VARIABLES = ("DJANGO_", "CELERY_", "DATABASE_", "CACHE_URL", "EMAIL_URL", "REDIS_")


def service_env(**extra: str) -> dict[str, str]:
    from tests.services import instances

    instances.active()  # no private servers, no processes
    environment = {k: v for k, v in os.environ.items() if not k.startswith(_SERVICE_VARIABLES)}
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
    from tests.services.instances import free_port as kernel_free_port

    return kernel_free_port()


def gunicorn(*, port: int, workers: int = 2, **env: str) -> Process:
    """The production server with production settings, HTTP on localhost (no TLS proxy here)."""
    environment = service_env(
        DJANGO_SETTINGS_MODULE="cartography.settings.production",
        DJANGO_SECRET_KEY=SECRET_KEY,
        DJANGO_ALLOWED_HOSTS="127.0.0.1,localhost",
        DJANGO_SECURE_SSL_REDIRECT="false",
        # Production settings require a shared cache; a Redis database of its own.
        **{"CACHE_URL": private_broker_url(index=14), **env},
    )
    args = [str(BIN / "gunicorn"), "cartography.wsgi:application"]
    args += ["--bind", f"127.0.0.1:{port}", "--workers", str(workers), "--timeout", "60"]
    return Process(args, env=environment, name="gunicorn")


@functools.cache
def collectstatic() -> None:
    """Production serves hashed static names from a manifest, which collectstatic writes (once
    per run: the files do not change between the tests that start a production server)."""
    subprocess.run(  # noqa: S603
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v", "0"],
        cwd=ROOT,
        env=service_env(
            DJANGO_SETTINGS_MODULE="cartography.settings.production",
            DJANGO_SECRET_KEY=SECRET_KEY,
            DJANGO_ALLOWED_HOSTS="127.0.0.1",
            CACHE_URL=private_broker_url(index=14),
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
