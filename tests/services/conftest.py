"""The service run's fixtures: private PostgreSQL and Redis servers, Django pointed at them, real
Celery worker processes on them, and the record of the machine's own services.

These tests are marked `services` and run on their own (`pytest -m services`; `make test` runs
them in a second pass when DATABASE_URL and CELERY_BROKER_URL are set). They stop, restart and
kill the database and the broker, so they start their own (tests/services/instances.py): a
PostgreSQL cluster and a redis-server on free ports, data in a temporary directory. The session's
Django connection, every worker and server process, and the Celery app all use those; the
services the environment names are only read, before the first test and by the last one
(test_neighbours.py), to show they were never touched. Tests commit for real
(`transactional_db`), since the worker only sees committed rows.
"""

from __future__ import annotations

import contextlib
import os
import signal
import time
from collections.abc import Callable, Iterator

import pytest
from django.conf import settings
from django.db import connection, connections

from cartography.celery import app as celery_app
from tests.production import processes
from tests.services import instances

# The test that compares the machine's services with their record runs after every other one.
LAST = "tests/services/test_neighbours.py"


def pytest_collection_modifyitems(config, items):
    last = [item for item in items if item.nodeid.startswith(LAST)]
    items[:] = [item for item in items if not item.nodeid.startswith(LAST)] + last


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


@pytest.fixture(scope="session")
def machine_services() -> dict:
    """What DATABASE_URL and CELERY_BROKER_URL named when the run began, and who served them."""
    urls = {
        "database_url": os.environ.get("DATABASE_URL", ""),
        "broker_url": os.environ.get("CELERY_BROKER_URL", ""),
    }
    return {"urls": urls, "before": instances.machine_services(**urls)}


@pytest.fixture(scope="session", autouse=True)
def private_servers(machine_services) -> Iterator[instances.Servers]:
    """The run's own PostgreSQL and Redis. For the session, the environment and the settings name
    them, so that nothing started from here can reach the machine's services by inheritance."""
    servers = instances.start_servers()
    saved_broker = settings.CELERY_BROKER_URL
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DATABASE_URL", servers.postgres.url("cartography"))
        patch.setenv("CELERY_BROKER_URL", servers.redis.url(0))
        patch.delenv("CACHE_URL", raising=False)
        settings.CELERY_BROKER_URL = servers.redis.url(0)
        try:
            yield servers
        finally:
            settings.CELERY_BROKER_URL = saved_broker
            instances.stop_servers(servers)


@pytest.fixture(scope="session")
def django_db_modify_db_settings(
    django_db_modify_db_settings_parallel_suffix, private_servers
) -> None:
    """pytest-django creates the test database on the private PostgreSQL, not DATABASE_URL's."""
    default = settings.DATABASES["default"]
    # The dict is the one the connection reads (Django keeps it, not a copy): change it in place,
    # then drop the connection so the next use builds one for the new server.
    with contextlib.suppress(AttributeError):
        connections["default"].close()
        del connections["default"]
    default.update(
        ENGINE="django.db.backends.postgresql",
        NAME="cartography",
        USER="postgres",
        PASSWORD="",
        HOST=instances.HOST,
        PORT=str(private_servers.postgres.port),
        OPTIONS={},
    )


@pytest.fixture
def service_stack(transactional_db, private_servers):
    if connection.vendor != "postgresql" or connection.settings_dict["PORT"] != str(
        private_servers.postgres.port
    ):
        pytest.fail("The service tests run on their own: `pytest -m services`.")
    return private_servers


@pytest.fixture
def start_worker(service_stack) -> Iterator[Callable[[], processes.Process]]:
    """Publish to the private broker for the test's duration and start worker processes on it
    (tests/production/processes.py); each worker is killed at the end if still alive."""
    started: list[processes.Process] = []

    def start() -> processes.Process:
        worker = processes.celery_worker().start()
        started.append(worker)
        processes.wait_ready(worker)
        return worker

    with processes.broker_mode(celery_app):
        # Messages a previous test left behind (a killed worker's job) must not run here.
        celery_app.control.purge()
        yield start
        for worker in started:
            worker.stop(signal.SIGKILL)
