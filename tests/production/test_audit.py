"""The audit log: moderation decisions with actor, object and outcome; refused sign-ins and
refused requests. Each record is selected by its stable `event` name."""

import logging
from http import HTTPStatus

import pytest
from django.urls import reverse

from contributions import services
from tests import factories

pytestmark = pytest.mark.django_db


def audit_records(caplog, event: str) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name == "cartography.audit" and r.event == event]


@pytest.fixture
def pending(project, contributor_user):
    contributor = factories.ContributorFactory(user=contributor_user)
    return factories.ContributionFactory(project=project, contributor=contributor)


@pytest.mark.parametrize(
    ("action", "outcome"),
    [
        ("approve", "approved"),
        ("reject", "rejected"),
        ("request_changes", "changes_requested"),
    ],
)
def test_a_moderation_decision_is_logged_when_it_commits(
    caplog, django_capture_on_commit_callbacks, pending, maintainer, action, outcome
):
    caplog.set_level(logging.INFO, logger="cartography.audit")
    service = getattr(services, f"contribution_{action}")
    with django_capture_on_commit_callbacks(execute=True):
        service(contribution=pending, moderator=maintainer, note="Checked against the run logs.")
    [record] = audit_records(caplog, "moderation.decision")
    assert record.actor == "maintainer"
    assert record.actor_id == maintainer.pk
    assert record.object == f"contributions.contribution:{pending.pk}"
    assert record.project_id == pending.project_id
    assert record.outcome == outcome
    assert record.from_status == "pending"
    assert record.has_note is True
    # The note's text is the contributor's business, not the log's.
    assert "run logs" not in record.getMessage()
    assert not any("run logs" in str(v) for v in record.__dict__.values())


def test_a_revoked_approval_is_a_decision_too(
    caplog, django_capture_on_commit_callbacks, pending, maintainer
):
    with django_capture_on_commit_callbacks(execute=True):
        services.contribution_approve(contribution=pending, moderator=maintainer)
    caplog.set_level(logging.INFO, logger="cartography.audit")
    caplog.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.contribution_revoke(contribution=pending, moderator=maintainer, note="Duplicate.")
    [record] = audit_records(caplog, "moderation.decision")
    assert record.outcome == "revoked"


def test_a_decision_rolled_back_is_not_logged(caplog, pending, maintainer):
    """Without a commit (the test's transaction is rolled back) nothing is logged: the audit
    log never records a decision the ledger does not have."""
    caplog.set_level(logging.INFO, logger="cartography.audit")
    services.contribution_approve(contribution=pending, moderator=maintainer)
    assert audit_records(caplog, "moderation.decision") == []


def test_a_contributors_own_actions_are_logged_apart_from_decisions(
    caplog, django_capture_on_commit_callbacks, pending, contributor_user
):
    caplog.set_level(logging.INFO, logger="cartography.audit")
    with django_capture_on_commit_callbacks(execute=True):
        services.contribution_withdraw(contribution=pending, user=contributor_user)
    assert audit_records(caplog, "moderation.decision") == []
    [record] = audit_records(caplog, "contribution.status_changed")
    assert record.outcome == "withdrawn"
    assert record.actor == "contributor"


def test_a_refused_moderation_logs_no_decision_and_answers_403(
    client, caplog, pending, other_maintainer
):
    caplog.set_level(logging.INFO, logger="cartography.audit")
    client.force_login(other_maintainer)
    response = client.post(
        f"/api/v1/contributions/{pending.pk}/approve/", {}, content_type="application/json"
    )
    assert response.status_code in (HTTPStatus.FORBIDDEN, HTTPStatus.NOT_FOUND)
    assert audit_records(caplog, "moderation.decision") == []
    pending.refresh_from_db()
    assert pending.status == "pending"
    if response.status_code == HTTPStatus.FORBIDDEN:
        [denied] = audit_records(caplog, "auth.denied")
        assert denied.user_id == other_maintainer.pk


def test_a_failed_sign_in_is_logged_without_the_password(client, caplog, contributor_user):
    caplog.set_level(logging.INFO, logger="cartography.audit")
    client.post(
        reverse("account_login"),
        {"login": "contributor", "password": "hunter2-not-it"},
        REMOTE_ADDR="203.0.113.9",
    )
    [record] = audit_records(caplog, "auth.login_failed")
    assert record.username == "contributor"
    assert record.address == "203.0.113.9"
    assert not any("hunter2" in str(v) for v in record.__dict__.values())


def test_a_forbidden_request_is_logged(client, caplog, contributor_user):
    caplog.set_level(logging.INFO, logger="cartography.audit")
    client.force_login(contributor_user)
    response = client.get(reverse("contributions:moderation_queue"))
    assert response.status_code == HTTPStatus.FORBIDDEN
    [record] = audit_records(caplog, "auth.denied")
    assert record.status == HTTPStatus.FORBIDDEN
    assert record.user_id == contributor_user.pk
    assert record.path == reverse("contributions:moderation_queue")


def test_an_unauthenticated_api_write_is_logged(client, caplog, pending):
    caplog.set_level(logging.INFO, logger="cartography.audit")
    response = client.post(
        f"/api/v1/contributions/{pending.pk}/approve/", {}, content_type="application/json"
    )
    assert response.status_code in (HTTPStatus.UNAUTHORIZED, HTTPStatus.FORBIDDEN)
    [record] = audit_records(caplog, "auth.denied")
    assert record.user_id is None
    assert record.method == "POST"
