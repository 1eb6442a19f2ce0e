"""A database outage answers 503 with Retry-After (JSON for the API, a page for people), never
500; /healthz says the process is up, /readyz says whether the database and the broker answer."""

import json
from http import HTTPStatus
from unittest import mock

import pytest
from django.db import OperationalError, connection
from django.test import Client, override_settings

from cartography.celery import app as celery_app
from tests.production.processes import free_port

pytestmark = pytest.mark.django_db


@pytest.fixture
def raising_client():
    # Exceptions become responses, as in production (the test client re-raises by default).
    return Client(raise_request_exception=False)


@pytest.mark.urls("tests.production.urls_faults")
@pytest.mark.parametrize("url", ["/fault/operational/", "/fault/interface/"])
def test_a_lost_database_answers_a_503_page(raising_client, url):
    response = raising_client.get(url, headers={"Accept": "text/html"})
    assert response.status_code == HTTPStatus.SERVICE_UNAVAILABLE
    assert response["Retry-After"] == "5"
    assert response["Content-Type"].startswith("text/html")
    assert b"database cannot be reached" in response.content
    assert response["X-Request-ID"]
    assert response["Content-Security-Policy"]


@pytest.mark.urls("tests.production.urls_faults")
def test_the_api_answers_503_in_its_error_shape(raising_client):
    response = raising_client.get("/api/v1/fault/operational/")
    assert response.status_code == HTTPStatus.SERVICE_UNAVAILABLE
    body = json.loads(response.content)
    assert body["status"] == HTTPStatus.SERVICE_UNAVAILABLE
    assert body["code"] == "service_unavailable"
    assert "retry" in body["detail"]
    assert body["errors"] == {}
    assert body["retry_after"] == 5


@pytest.mark.urls("tests.production.urls_faults")
def test_a_bug_is_still_a_500(raising_client):
    response = raising_client.get("/fault/bug/")
    assert response.status_code == HTTPStatus.INTERNAL_SERVER_ERROR


class FailingMiddleware:
    """Stands for a middleware inside ours that meets the outage (the session saved on the way
    out): its exception has become a 500 before our middleware sees the response."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        self.get_response(request)
        raise OperationalError("terminating connection due to administrator command")


def test_an_outage_met_by_an_inner_middleware_is_a_503_too(settings, raising_client):
    middleware = list(settings.MIDDLEWARE)
    middleware.insert(
        middleware.index("cartography.middleware.DatabaseUnavailableMiddleware") + 1,
        "tests.production.test_unavailable.FailingMiddleware",
    )
    with override_settings(MIDDLEWARE=middleware):
        response = raising_client.get("/healthz")
    assert response.status_code == HTTPStatus.SERVICE_UNAVAILABLE


def broken_database(message: str):
    """Every new cursor fails the way a stopped or restarting server makes it fail. Undone at
    the end of the block, before the test database is rolled back."""
    return mock.patch.object(connection, "create_cursor", side_effect=OperationalError(message))


def test_a_real_lost_connection_on_a_page_answers_503(raising_client):
    """The page's own query fails the way a restarted server makes it fail."""
    with broken_database("the database system is shutting down"):
        response = raising_client.get("/projects/")
    assert response.status_code == HTTPStatus.SERVICE_UNAVAILABLE


# HEALTH
# ------------------------------------------------------------------------------
def test_healthz_answers_while_the_process_is_up(client):
    response = client.get("/healthz")
    assert response.status_code == HTTPStatus.OK
    assert response.json() == {"status": "ok"}
    assert "no-cache" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]


def test_readyz_is_ready_when_the_database_and_broker_answer(client):
    response = client.get("/readyz")
    assert response.status_code == HTTPStatus.OK
    assert response.json()["checks"] == {"database": True, "broker": True}


def test_readyz_is_503_when_the_database_is_down(client):
    with broken_database("connection refused"):
        response = client.get("/readyz")
    assert response.status_code == HTTPStatus.SERVICE_UNAVAILABLE
    assert response.json()["checks"]["database"] is False


def test_readyz_is_503_when_the_broker_is_down(client, settings, monkeypatch):
    # A port nothing listens on: the broker check must fail fast, not hang the probe. Celery
    # lets the CELERY_BROKER_URL variable override its configuration, so both are set.
    dead = f"redis://127.0.0.1:{free_port()}/0"
    settings.CELERY_BROKER_URL = dead
    monkeypatch.setenv("CELERY_BROKER_URL", dead)
    saved = celery_app.conf.broker_url
    celery_app.conf.broker_url = dead
    try:
        response = client.get("/readyz")
    finally:
        celery_app.conf.broker_url = saved
    assert response.status_code == HTTPStatus.SERVICE_UNAVAILABLE
    assert response.json()["checks"] == {"database": True, "broker": False}


def test_health_endpoints_answer_only_get(client):
    assert client.post("/healthz").status_code == HTTPStatus.METHOD_NOT_ALLOWED
    assert client.post("/readyz").status_code == HTTPStatus.METHOD_NOT_ALLOWED
