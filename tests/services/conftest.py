"""The service run's fixtures: a real Celery worker process on a private queue, against the
test database, and control of the Redis broker.

These tests are marked `services`; the SQLite run deselects them (`-m "not services"`). They need
CELERY_BROKER_URL pointing at Redis and DATABASE_URL at PostgreSQL (the test database the worker
shares is pytest-django's `test_<name>`), and they commit for real (`transactional_db`), since the
worker only sees committed rows.
"""

from __future__ import annotations

import signal
import subprocess
import time
from collections.abc import Callable, Iterator

import pytest
from django.conf import settings
from django.db import connection

from cartography.celery import app as celery_app
from tests.production import processes

REDIS_PORT = str(processes.REDIS_PORT)


def wait_for(
    condition: Callable[[], bool], *, timeout: float, what: str, explain=lambda: ""
) -> None:
    """Poll until `condition()` holds; a timeout fails the test (never a timed assertion on speed:
    the limit only stops a test whose worker never acts)."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"Timed out waiting for {what}. {explain()}")
        time.sleep(0.05)


@pytest.fixture
def service_stack(transactional_db):
    broker = settings.CELERY_BROKER_URL
    if not broker.startswith("redis://") or connection.vendor != "postgresql":
        pytest.fail(
            "The service tests need CELERY_BROKER_URL=redis://... and a PostgreSQL DATABASE_URL "
            '(the SQLite run deselects them with -m "not services").'
        )
    return broker


@pytest.fixture
def start_worker(service_stack) -> Iterator[Callable[[], processes.Process]]:
    """Publish to the (private) broker for the test's duration and start worker processes on it
    (tests/production/processes.py); each worker is killed at the end if still alive."""
    started: list[processes.Process] = []

    def start() -> processes.Process:
        worker = processes.celery_worker().start()
        started.append(worker)
        processes.wait_ready(worker)
        return worker

    with processes.broker_mode(celery_app):
        # Messages a previous run left behind (a killed worker's job) must not run here.
        celery_app.control.purge()
        yield start
        for worker in started:
            worker.stop(signal.SIGKILL)


def redis_running() -> bool:
    result = subprocess.run(  # noqa: S603
        ["redis-cli", "-p", REDIS_PORT, "ping"],  # noqa: S607
        capture_output=True,
        text=True,
        check=False,
    )
    return result.stdout.strip() == "PONG"


def stop_redis() -> None:
    subprocess.run(["redis-cli", "-p", REDIS_PORT, "shutdown", "nosave"], check=False)  # noqa: S603, S607
    wait_for(lambda: not redis_running(), timeout=15, what="Redis to stop")


def start_redis() -> None:
    if redis_running():
        return
    subprocess.run(  # noqa: S603
        [  # noqa: S607
            "redis-server",
            "--daemonize",
            "yes",
            "--bind",
            "127.0.0.1",
            "--port",
            REDIS_PORT,
            "--save",
            "",
            "--appendonly",
            "no",
        ],
        check=True,
    )
    wait_for(redis_running, timeout=15, what="Redis to start")
