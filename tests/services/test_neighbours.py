"""The service run leaves the machine's PostgreSQL and Redis alone.

The drills stop, restart and kill servers, but only the private ones the run started
(tests/services/instances.py). The PostgreSQL and Redis that DATABASE_URL and CELERY_BROKER_URL
named when the run began (shared with everyone else on the host) were read before the first test;
the last test runs after every other one (tests/services/conftest.py) and reads them again: the same
postmaster and the same Redis process, never restarted, still answering.
"""

import pytest
from django.db import connection

from tests.services import instances

pytestmark = pytest.mark.services


def test_a_restart_is_seen_in_the_record(private_servers):
    """The record would notice: restarting a server (the private ones here) changes it."""
    urls = {
        "database_url": private_servers.postgres.url(),
        "broker_url": private_servers.redis.url(),
    }
    before = instances.machine_services(**urls)
    assert before["postgres"]["pid"] == private_servers.postgres.postmaster_pid()
    assert before["redis"]["port"] == private_servers.redis.port

    private_servers.redis.stop()
    private_servers.redis.start()
    assert instances.machine_services(**urls)["postgres"] == before["postgres"]
    assert instances.machine_services(**urls)["redis"]["run_id"] != before["redis"]["run_id"]

    private_servers.postgres.stop()
    private_servers.postgres.start()
    connection.close()  # the session's connection died with that server
    after = instances.machine_services(**urls)["postgres"]
    assert after["pid"] != before["postgres"]["pid"]
    assert after["started"] != before["postgres"]["started"]


def test_the_machines_postgres_and_redis_were_never_touched(machine_services, private_servers):
    before = machine_services["before"]
    assert set(before) == {"postgres", "redis"}, (
        "The service run checks the machine's PostgreSQL and Redis: set DATABASE_URL "
        "(postgres://...) and CELERY_BROKER_URL (redis://...) to them."
    )
    # The private servers were other servers: the drills had nothing of the machine's in reach.
    assert private_servers.postgres.port != before["postgres"]["port"]
    assert private_servers.redis.port != before["redis"]["port"]

    after = instances.machine_services(**machine_services["urls"])

    assert after == before
