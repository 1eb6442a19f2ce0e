"""Reads from a real streaming replica (cartography/db_router.py).

The run's private PostgreSQL (tests/services/instances.py) is the primary; `pg_basebackup -R` copies
it into a second private cluster on another free port, which starts as its hot standby and replays
its WAL. Django gets that cluster as the alias `replica_0`, as `DATABASE_REPLICA_URLS` would give
it. Nothing here reaches the machine's PostgreSQL. Pausing the standby's replay makes its lag
real: what the primary committed since is not on the replica, so which database answered shows.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.conf import settings
from django.db import connections
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cartography import db_router
from projects.models import Licence, Project
from tests import factories
from tests.services import instances
from tests.services.conftest import wait_for

ALIAS = "replica_0"

pytestmark = [
    pytest.mark.services,
    pytest.mark.django_db(transaction=True, databases=["default", ALIAS]),
]


@pytest.fixture(scope="module")
def replica(private_servers, django_db_setup) -> Iterator[instances.PrivateReplica]:
    """The private primary's streaming replica, configured as the database alias `replica_0`
    (a test mirror: never created or flushed by the test runner, it replays the primary)."""
    standby = instances.PrivateReplica(private_servers.base)
    standby.init_from(private_servers.postgres).start()
    config = {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": connections["default"].settings_dict["NAME"],
        "USER": "postgres",
        "PASSWORD": "",
        "HOST": instances.HOST,
        "PORT": str(standby.port),
        "OPTIONS": {"connect_timeout": 2},
        "TEST": {"MIRROR": "default"},
    }
    settings.DATABASES[ALIAS] = config
    connections.settings[ALIAS] = config
    connections.configure_settings(connections.settings)
    try:
        yield standby
    finally:
        connections[ALIAS].close()
        del connections[ALIAS]
        settings.DATABASES.pop(ALIAS, None)
        connections.settings.pop(ALIAS, None)
        db_router.forget_health()
        if standby.running():
            standby.stop(mode="immediate")


@pytest.fixture
def routing(replica, service_stack, settings) -> instances.PrivateReplica:
    """Each request checks the replica afresh, and the counts start at zero."""
    if not replica.running():
        replica.start()
    replica.replay_paused(False)
    settings.REPLICA_CHECK_SECONDS = 0
    settings.REPLICA_MAX_LAG_SECONDS = 5
    settings.REPLICA_STICKY_SECONDS = 60
    db_router.forget_health()
    replicated()
    db_router.reset_counts()
    yield replica
    if replica.running():
        replica.replay_paused(False)


def replicated() -> None:
    """Wait until the replica has replayed everything the primary has committed so far."""
    with connections["default"].cursor() as cursor:
        # The insert position: the private primary commits asynchronously, so the last commit
        # records may not be written out yet (pg_current_wal_lsn would stop before them).
        cursor.execute("SELECT pg_current_wal_insert_lsn()")
        (position,) = cursor.fetchone()

    def caught_up() -> bool:
        with connections[ALIAS].cursor() as cursor:
            cursor.execute("SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn", [position])
            return cursor.fetchone()[0]

    wait_for(caught_up, timeout=60, what="the replica to replay the primary's WAL")


def on_replica(model, **lookup) -> bool:
    return model.objects.using(ALIAS).filter(**lookup).exists()


def test_an_anonymous_read_is_served_by_the_replica(routing, client):
    project = factories.ProjectFactory(name="Replicated Project", slug="replicated")
    replicated()
    page = reverse("projects:project_detail", kwargs={"slug": project.slug})

    with (
        CaptureQueriesContext(connections["default"]) as primary,
        CaptureQueriesContext(connections[ALIAS]) as standby,
    ):
        response = client.get(page)
        api = client.get(reverse("api:project-list"))

    assert response.status_code == 200
    assert "Replicated Project" in response.content.decode()
    assert api.status_code == 200
    assert "replicated" in api.content.decode()
    counts = db_router.read_counts()
    assert counts[f"requests:{ALIAS}"] == 2
    # Every query of both requests went to the replica (the router counts its decisions).
    assert counts[ALIAS] > 0
    assert "default" not in counts
    assert len(standby.captured_queries) > 0
    assert primary.captured_queries == []


def test_a_client_reads_its_own_write_from_the_primary(routing, client):
    admin = factories.UserFactory(username="admin", is_staff=True, is_superuser=True)
    licence = factories.LicenceFactory(identifier="Replica-Test-1.0", name="Replica test")
    client.force_login(admin)
    replicated()
    routing.replay_paused(True)  # from here on, the primary's commits wait on the replica
    detail = reverse("api:licence-detail", kwargs={"identifier": licence.identifier})

    deleted = client.post(
        reverse("admin:projects_licence_delete", args=[licence.pk]), {"post": "yes"}
    )

    assert deleted.status_code == 302
    assert not Licence.objects.filter(pk=licence.pk).exists()
    assert on_replica(Licence, pk=licence.pk), "the replica has not replayed the delete"
    assert db_router.STICKY_COOKIE in deleted.cookies
    # The writer's next read comes from the primary: its delete shows at once.
    db_router.reset_counts()
    assert client.get(detail).status_code == 404
    assert db_router.read_counts().get(ALIAS, 0) == 0
    # Anyone else reads the replica, which is behind.
    assert Client().get(detail).status_code == 200
    assert db_router.read_counts()[f"requests:{ALIAS}"] == 1
    # Without the marker (its window over), the writer reads from the replica too.
    client.cookies.pop(db_router.STICKY_COOKIE)
    assert client.get(detail).status_code == 200
    assert db_router.read_counts()[f"requests:{ALIAS}"] == 2


def test_a_stopped_replica_sends_reads_to_the_primary_without_an_error(routing, settings):
    factories.ProjectFactory(name="Still Served", slug="still-served")
    replicated()
    # The test client would raise an exception that a request met even when the request
    # recovered from it; a browser only sees the response.
    client = Client(raise_request_exception=False)
    settings.REPLICA_CHECK_SECONDS = 3600  # the replica's last check says it is fine
    page = reverse("projects:project_detail", kwargs={"slug": "still-served"})
    first = client.get(page)
    assert first.status_code == 200
    assert db_router.read_counts()[f"requests:{ALIAS}"] == 1

    routing.stop(mode="immediate")
    db_router.reset_counts()

    # Down in the middle of a request: the request runs again on the primary.
    response = client.get(page)
    assert response.status_code == 200
    assert "Still Served" in response.content.decode()
    assert db_router.read_counts()["fallback:error"] == 1
    # Known to be down: later requests go straight to the primary.
    assert client.get(reverse("api:project-list")).status_code == 200
    assert client.get(reverse("home")).status_code == 200
    # Checked afresh and still down: the primary again.
    settings.REPLICA_CHECK_SECONDS = 0
    assert client.get(page).status_code == 200
    counts = db_router.read_counts()
    assert counts["fallback:down"] >= 1
    assert counts["default"] > 0
    assert counts.get(f"requests:{ALIAS}", 0) == 1  # only the request that met the failure

    routing.start()
    db_router.reset_counts()
    assert client.get(page).status_code == 200
    assert db_router.read_counts()[f"requests:{ALIAS}"] == 1


def test_a_replica_lagging_past_the_bound_sends_reads_to_the_primary(routing, client, settings):
    settings.REPLICA_MAX_LAG_SECONDS = 0.5
    routing.replay_paused(True)
    factories.ProjectFactory(name="Fresh On The Primary", slug="fresh")
    assert not on_replica(Project, slug="fresh")
    wait_for(
        lambda: db_router.replica_lag(ALIAS) > settings.REPLICA_MAX_LAG_SECONDS,
        timeout=60,
        what="the paused replica to lag past the bound",
    )
    page = reverse("projects:project_detail", kwargs={"slug": "fresh"})

    response = client.get(page)

    assert response.status_code == 200
    assert "Fresh On The Primary" in response.content.decode()
    counts = db_router.read_counts()
    assert counts["fallback:lag"] >= 1
    assert f"requests:{ALIAS}" not in counts

    routing.replay_paused(False)
    replicated()
    db_router.reset_counts()
    assert client.get(page).status_code == 200
    assert db_router.read_counts()[f"requests:{ALIAS}"] == 1
