"""Fault drills, in the service run: PostgreSQL and Redis are stopped and started under a running
platform, and what people and programs see is asserted.

- PostgreSQL restarted under gunicorn (production settings, psycopg pool): every request answers
  200 or a clean 503 with Retry-After, never a 500 or a dropped connection; once the database is
  back the same server processes answer 200 again (nothing restarted), sessions included.
- Redis stopped: pages, the API and approvals keep working (the publish fails fast and is logged,
  the approval is committed); /readyz says the broker is down; after Redis returns, publishing
  recovers by itself and the reconciliation (what beat runs) brings every rollup back to exact.
  (A worker killed mid-job is drilled on the statistics side, tests/services/ by issue 5.)

Every drill restores the service in `finally`. The servers stopped are the run's private ones
(tests/services/instances.py), which the platform under test uses: the machine's PostgreSQL and
Redis, and whoever else uses them, never notice.
"""

from __future__ import annotations

import json
import threading
from http import HTTPStatus

import pytest
from django.contrib.auth.hashers import make_password
from django.db import connection
from django.test import Client

from cartography.celery import app as celery_app
from contributions import stats
from contributions.models import Contribution, ModerationEvent
from tests import factories
from tests.contributions import oracles
from tests.contributions.oracles import assert_rollups_exact
from tests.production.processes import (
    broker_mode,
    celery_worker,
    collectstatic,
    free_port,
    gunicorn,
    http_get,
    private_broker_url,
    wait_ready,
    wait_until,
)

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def ledger():
    """A project with a maintainer, one approved and four pending entries, committed."""
    project = factories.ProjectFactory(slug="drill-project", name="Drill project")
    maintainer = factories.UserFactory(username="drill-maintainer")
    # Hashed as production verifies it (the test settings' fast hasher is not enabled there).
    maintainer.password = make_password("a-long-test-passphrase", hasher="pbkdf2_sha256")
    maintainer.save(update_fields=["password"])
    factories.MaintainershipFactory(project=project, user=maintainer)
    contributor = factories.ContributorFactory()
    approved = factories.ContributionFactory(
        project=project, contributor=contributor, status="approved", moderated_by=maintainer
    )
    pending = [
        factories.ContributionFactory(project=project, contributor=contributor) for _ in range(4)
    ]
    return {"project": project, "maintainer": maintainer, "approved": approved, "pending": pending}


# POSTGRESQL RESTARTED
# ------------------------------------------------------------------------------
def _session_cookie(user) -> str:
    client = Client()
    client.force_login(user)
    # Production names the cookie __Host-sessionid; the value is the same database session.
    return f"__Host-sessionid={client.cookies['sessionid'].value}"


def test_postgres_restart_answers_503_then_recovers_without_a_restart(ledger, private_servers):
    postgres = private_servers.postgres
    collectstatic()
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    cookie = _session_cookie(ledger["maintainer"])
    signed_in = {"Cookie": cookie}
    pages = [
        ("/projects/", {}),
        (f"/projects/{ledger['project'].slug}/", {}),
        ("/contributions/", {}),
        ("/api/v1/projects/", {}),
        ("/contributions/moderation/", signed_in),
    ]
    server = gunicorn(port=port, workers=2, DATABASE_POOL_TIMEOUT="2")
    with server:
        wait_until(lambda: http_get(f"{base}/readyz")[0] == HTTPStatus.OK, timeout=90)
        for path, headers in pages:
            status, _, body = http_get(base + path, headers=headers)
            assert status == HTTPStatus.OK, (path, body[:300])
        booted = server.output().count("Booting worker")

        # Traffic throughout the restart: only answers, and only 200 or 503.
        seen: list[tuple[str, int | None]] = []
        stop = threading.Event()

        def traffic() -> None:
            while not stop.is_set():
                for path, headers in pages:
                    seen.append((path, http_get(base + path, headers=headers)[0]))

        thread = threading.Thread(target=traffic, daemon=True)
        try:
            thread.start()
            postgres.stop()
            # While the database is down, each page answers a clean 503 (deterministic, not
            # left to the traffic thread's timing), and the process itself is healthy.
            for path, headers in pages:
                status, response_headers, body = http_get(base + path, headers=headers)
                assert status == HTTPStatus.SERVICE_UNAVAILABLE, (path, status, body[:300])
                assert response_headers.get("Retry-After") == "5"
            api_body = http_get(f"{base}/api/v1/projects/")[2]
            assert json.loads(api_body)["code"] == "service_unavailable"
            assert http_get(f"{base}/healthz")[0] == HTTPStatus.OK
            assert http_get(f"{base}/readyz")[0] == HTTPStatus.SERVICE_UNAVAILABLE
        finally:
            postgres.start()
            connection.close()  # the test's own connection died with the server

        try:
            # The same processes recover: every page answers 200 again, the session survived.
            def all_ok() -> bool:
                return all(
                    http_get(base + path, headers=headers)[0] == HTTPStatus.OK
                    for path, headers in pages
                )

            wait_until(all_ok, timeout=60, interval=0.5)
        finally:
            stop.set()
            thread.join(timeout=60)
        assert http_get(f"{base}/readyz")[0] == HTTPStatus.OK
        assert server.alive()
        assert server.output().count("Booting worker") == booted, "a worker was restarted"

    statuses = {status for _, status in seen}
    assert HTTPStatus.SERVICE_UNAVAILABLE in statuses  # the traffic did meet the outage
    assert statuses <= {HTTPStatus.OK, HTTPStatus.SERVICE_UNAVAILABLE}, sorted(
        {(p, s) for p, s in seen if s not in (HTTPStatus.OK, HTTPStatus.SERVICE_UNAVAILABLE)}
    )


def test_a_write_during_a_postgres_outage_is_refused_whole(ledger, private_servers):
    """An approval sent while the database is down is a 503 and leaves no trace: no status
    change, no moderation event, once the database is back."""
    entry = ledger["pending"][0]
    events_before = ModerationEvent.objects.filter(contribution=entry).count()
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    cookie = _session_cookie(ledger["maintainer"])
    with gunicorn(port=port, workers=1, DATABASE_POOL_TIMEOUT="2"):
        wait_until(lambda: http_get(f"{base}/readyz")[0] == HTTPStatus.OK, timeout=90)
        try:
            private_servers.postgres.stop()
            status = _post_form(
                f"{base}/contributions/{entry.pk}/moderate/",
                {"action": "approve", "note": ""},
                cookie=cookie,
            )
            assert status == HTTPStatus.SERVICE_UNAVAILABLE
        finally:
            private_servers.postgres.start()
            connection.close()
    entry.refresh_from_db()
    assert entry.status == "pending"
    assert ModerationEvent.objects.filter(contribution=entry).count() == events_before


def _post_form(url: str, data: dict[str, str], *, cookie: str) -> int | None:
    """POST a form the way a browser does: the CSRF cookie and the same token in the form."""
    import urllib.error
    import urllib.parse
    import urllib.request

    token = "x" * 32  # Django accepts any 32-character secret it set itself or we set here
    body = urllib.parse.urlencode({**data, "csrfmiddlewaretoken": token}).encode()
    request = urllib.request.Request(  # noqa: S310 - our own server
        url,
        data=body,
        headers={
            "Cookie": "; ".join(filter(None, [cookie, f"__Host-csrftoken={token}"])),
            "Content-Type": "application/x-www-form-urlencoded",
        },
    )

    class KeepRedirects(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None  # a 302 is the answer under test, not a page to follow

    try:
        with urllib.request.build_opener(KeepRedirects).open(request, timeout=60) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code
    except OSError:
        return None


# REDIS STOPPED
# ------------------------------------------------------------------------------
def _approve(client: Client, entry: Contribution) -> None:
    response = client.post(f"/contributions/{entry.pk}/moderate/", {"action": "approve"})
    assert response.status_code == HTTPStatus.FOUND, response.content[:500]
    entry.refresh_from_db()
    assert entry.status == "approved"


def test_redis_stopped_pages_and_approvals_keep_working_and_jobs_catch_up(ledger, private_servers):
    redis = private_servers.redis
    project, maintainer = ledger["project"], ledger["maintainer"]
    first, second, third, fourth = ledger["pending"]
    client = Client()
    client.force_login(maintainer)

    with celery_worker() as worker, broker_mode(celery_app):
        wait_ready(worker)
        _approve(client, first)
        celery_app.send_task("contributions.tasks.reconcile_stats")
        wait_until(_rollups_exact, timeout=90, interval=0.5)

        try:
            redis.stop()
            # Pages and the API read PostgreSQL only: they answer as before.
            for path in (
                "/",
                "/projects/",
                f"/projects/{project.slug}/",
                "/contributions/",
                "/contributions/moderation/",
                "/api/v1/projects/",
                "/healthz",
            ):
                assert client.get(path).status_code == HTTPStatus.OK, path
            ready = client.get("/readyz")
            assert ready.status_code == HTTPStatus.SERVICE_UNAVAILABLE
            assert ready.json()["checks"] == {"database": True, "broker": False}
            # Approvals are committed; only their statistics job is lost.
            _approve(client, second)
            _approve(client, third)
            assert project.pk in stats.stale_project_ids()
        finally:
            redis.start()

        assert redis.ping()
        # The worker reconnects by itself, and so does the web side's publishing: the job of
        # an approval made now reaches the worker, which recomputes the project in full.
        wait_until(lambda: worker.output().count("Connected to redis") >= 2, timeout=120)
        _approve(client, fourth)
        wait_until(lambda: project.pk not in stats.stale_project_ids(), timeout=90, interval=0.5)
        # What beat sends every few minutes repairs the rest (the global rollups).
        celery_app.send_task("contributions.tasks.reconcile_stats")
        wait_until(_rollups_exact, timeout=90, interval=0.5)

    approved = Contribution.objects.filter(project=project, status="approved").count()
    assert approved == 5
    assert (
        oracles.project_rollups(project.pk)["summary"]
        == oracles.oracle_project(project.pk)["summary"]
    )


def _rollups_exact() -> bool:
    try:
        assert_rollups_exact()
    except AssertionError:
        return False
    return True


def test_redis_stopped_the_api_and_sign_in_keep_working_with_the_redis_cache(
    ledger, private_servers
):
    """As deployed (docker-compose): the cache that holds throttle and sign-in counters is Redis
    too. With Redis down, reads of the API and signing in must still work (the limits may then
    hold per process only)."""
    collectstatic()
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    cache_url = private_broker_url(index=1)
    with gunicorn(port=port, workers=1, CACHE_URL=cache_url):
        wait_until(lambda: http_get(f"{base}/readyz")[0] == HTTPStatus.OK, timeout=90)
        assert http_get(f"{base}/api/v1/projects/")[0] == HTTPStatus.OK
        try:
            private_servers.redis.stop()
            statuses = {
                "page": http_get(f"{base}/projects/")[0],
                "api": http_get(f"{base}/api/v1/projects/")[0],
                "sign-in": _post_form(
                    f"{base}/accounts/login/",
                    {"login": "drill-maintainer", "password": "a-long-test-passphrase"},
                    cookie="",
                ),
            }
        finally:
            private_servers.redis.start()
    assert statuses == {
        "page": HTTPStatus.OK,
        "api": HTTPStatus.OK,
        "sign-in": HTTPStatus.FOUND,
    }
