"""One JSON error shape for every failure, and the status each kind of failure answers."""

from http import HTTPStatus

import pytest
from rest_framework.test import APIClient

from contributions import services
from contributions.models import ModerationEvent
from tests import factories
from tests.api.conftest import client_for

pytestmark = pytest.mark.django_db

SHAPE = {"status", "code", "detail", "errors"}


def assert_error(response, status: int, code: str | None = None) -> dict:
    assert response.status_code == status, response.content[:300]
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert set(body) >= SHAPE
    assert body["status"] == status
    assert body["detail"]
    if code:
        assert body["code"] == code
    return body


def test_invalid_input_names_each_field_with_an_actionable_message(project, contributor_user):
    response = client_for(contributor_user).post(
        "/api/v1/contributions/",
        {
            "project": project.slug,
            "type": "poetry",
            "title": "",
            "evidence_urls": ["https://example.org/ok", "not a link"],
        },
        format="json",
    )
    body = assert_error(response, HTTPStatus.BAD_REQUEST, "invalid")
    assert set(body["errors"]) == {"type", "title", "evidence_urls.1"}
    assert body["detail"].split(":")[0] in body["errors"]
    assert "and 2 more" in body["detail"]


def test_service_validation_is_a_400_in_the_same_shape(project, contributor_user):
    response = client_for(contributor_user).post(
        "/api/v1/contributions/",
        {"project": project.slug, "type": "code", "title": "Fix", "occurred_on": "2999-01-01"},
        format="json",
    )
    body = assert_error(response, HTTPStatus.BAD_REQUEST)
    assert body["errors"] == {"occurred_on": ["The date cannot be in the future."]}
    assert body["detail"] == "occurred_on: The date cannot be in the future."


def test_quantity_without_unit_is_explained(project, contributor_user):
    # Funding has no typical unit that a bare quantity could count in.
    response = client_for(contributor_user).post(
        "/api/v1/contributions/",
        {"project": project.slug, "type": "funding", "title": "A grant", "quantity": 500},
        format="json",
    )
    body = assert_error(response, HTTPStatus.BAD_REQUEST)
    assert "unit" in body["errors"]


def test_malformed_json_and_wrong_media_type(contributor_user):
    client = client_for(contributor_user)
    response = client.post("/api/v1/contributions/", "{nope", content_type="application/json")
    assert_error(response, HTTPStatus.BAD_REQUEST)
    response = client.post("/api/v1/contributions/", {"title": "x"}, format="multipart")
    assert_error(response, HTTPStatus.UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type")


def test_unauthenticated_write_is_401_with_a_challenge(project):
    response = APIClient().post("/api/v1/contributions/", {}, format="json")
    assert_error(response, HTTPStatus.UNAUTHORIZED, "not_authenticated")
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_hidden_and_missing_objects_are_the_same_404(project, contributor_user):
    hidden = factories.ContributionFactory(project=project)  # someone else's pending entry
    client = client_for(contributor_user)
    hidden_body = assert_error(client.get(f"/api/v1/contributions/{hidden.pk}/"), 404)
    missing_body = assert_error(client.get("/api/v1/contributions/999999/"), 404)
    assert hidden_body == missing_body


def test_method_not_allowed_is_json(project, contributor_user):
    response = client_for(contributor_user).delete(f"/api/v1/projects/{project.slug}/")
    assert_error(response, HTTPStatus.METHOD_NOT_ALLOWED, "method_not_allowed")


def test_moderation_lost_race_is_409_naming_the_winner(project, maintainer, staff):
    entry = factories.ContributionFactory(project=project)
    services.contribution_approve(contribution=entry, moderator=staff)  # staff decided first
    events = ModerationEvent.objects.count()
    response = client_for(maintainer).post(
        f"/api/v1/contributions/{entry.pk}/reject/", {"note": "Duplicate."}, format="json"
    )
    body = assert_error(response, HTTPStatus.CONFLICT, "conflict")
    assert "Already decided by staff" in body["detail"]
    assert ModerationEvent.objects.count() == events


def test_transition_not_allowed_is_409(project, contributor_user):
    mine = factories.ContributorFactory(user=contributor_user)
    entry = factories.ContributionFactory(project=project, contributor=mine, status="approved")
    response = client_for(contributor_user).post(
        f"/api/v1/contributions/{entry.pk}/withdraw/", {}, format="json"
    )
    body = assert_error(response, HTTPStatus.CONFLICT, "transition")
    assert "approved" in body["detail"]


def test_editing_a_decided_own_entry_is_409(project, contributor_user):
    mine = factories.ContributorFactory(user=contributor_user)
    entry = factories.ContributionFactory(project=project, contributor=mine, status="rejected")
    response = client_for(contributor_user).patch(
        f"/api/v1/contributions/{entry.pk}/", {"title": "Better"}, format="json"
    )
    assert_error(response, HTTPStatus.CONFLICT, "transition")


# Throttling
# ------------------------------------------------------------------------------
@pytest.fixture
def low_rates(settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"anon": "3/min", "user": "50/min", "write": "2/min"},
    }


def test_anonymous_clients_are_throttled_with_retry_after(low_rates, project):
    client = APIClient()
    for _ in range(3):
        assert client.get("/api/v1/projects/").status_code == HTTPStatus.OK
    response = client.get("/api/v1/projects/")
    body = assert_error(response, HTTPStatus.TOO_MANY_REQUESTS, "throttled")
    assert 0 < int(response["Retry-After"]) <= 60
    assert body["retry_after"] == int(response["Retry-After"])


def test_writes_have_a_stricter_limit_than_reads(low_rates, project, contributor_user):
    client = APIClient()
    client.force_login(contributor_user)
    payload = {"project": project.slug, "type": "documentation", "title": "Model card fixes"}
    for _ in range(2):
        assert client.post("/api/v1/contributions/", payload, format="json").status_code == 201
    response = client.post("/api/v1/contributions/", payload, format="json")
    assert_error(response, HTTPStatus.TOO_MANY_REQUESTS, "throttled")
    # Reads go on under the (larger) user limit.
    assert client.get("/api/v1/contributions/").status_code == HTTPStatus.OK


def test_a_forged_forwarded_for_header_does_not_reset_the_anonymous_limit(low_rates, project):
    client = APIClient()
    statuses = [
        client.get("/api/v1/projects/", HTTP_X_FORWARDED_FOR=f"10.0.0.{n}").status_code
        for n in range(4)
    ]
    assert statuses == [200, 200, 200, HTTPStatus.TOO_MANY_REQUESTS]
