"""No oracle for the unauthorised: what a caller may not see, no answer tells them.

Bulk approval checks the permission before it reads anything and answers one message for "not
found" and "not yours", so posting ids to it tells nobody whether an entry exists, its status or
who moderated it. The single-entry moderation page and the API check the permission before the
entry's status, so a refusal never names a moderator to someone who may not moderate.
"""

from __future__ import annotations

import html
from http import HTTPStatus

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from rest_framework.test import APIClient

from contributions import services
from tests import factories

pytestmark = pytest.mark.django_db

MODERATOR = "secret-moderator"


@pytest.fixture
def entries(project, maintainer, contributor_user):
    """Entries of `project` in every status, decided by a moderator whose name must not leak."""
    moderator = factories.UserFactory(username=MODERATOR)
    factories.MaintainershipFactory(project=project, user=moderator)
    contributor = factories.ContributorFactory(user=contributor_user)
    made = {
        status: factories.ContributionFactory(
            project=project,
            contributor=contributor,
            status=status,
            **({} if status in ("pending", "withdrawn") else {"moderated_by": moderator}),
        )
        for status in ("pending", "approved", "rejected", "changes_requested", "withdrawn")
    }
    return made


def page_text(response) -> str:
    return html.unescape(response.content.decode())


def test_bulk_approval_refuses_a_signed_in_user_who_moderates_nothing(client, entries):
    outsider = factories.UserFactory(username="outsider")
    client.force_login(outsider)
    ids = [e.pk for e in entries.values()] + [999_999]
    response = client.post(reverse("contributions:bulk_approve"), {"ids": ids})
    assert response.status_code == HTTPStatus.FORBIDDEN
    text = page_text(response)
    assert MODERATOR not in text
    assert not any(f"#{pk}" in text for pk in ids)
    with pytest.raises(PermissionDenied):
        services.contribution_bulk_approve(contribution_ids=ids, moderator=outsider)


def test_bulk_approval_answers_alike_for_missing_and_not_yours(client, entries, other_maintainer):
    """A maintainer of another project learns nothing about this project's entries: every id,
    whatever its status (even approved, public ones), gets the answer a missing id gets."""
    ids = [e.pk for e in entries.values()] + [999_999]
    outcomes = services.contribution_bulk_approve(contribution_ids=ids, moderator=other_maintainer)
    assert outcomes == dict.fromkeys(ids, services.NOT_FOUND_OR_NOT_YOURS)

    client.force_login(other_maintainer)
    response = client.post(reverse("contributions:bulk_approve"), {"ids": ids}, follow=True)
    text = page_text(response)
    assert MODERATOR not in text
    assert "already decided" not in text.lower()
    refusals = [f"Entry #{pk} was not approved: {services.NOT_FOUND_OR_NOT_YOURS}" for pk in ids]
    for refusal in refusals:
        assert refusal in text
    for entry in entries.values():
        before = entry.status
        entry.refresh_from_db()
        assert entry.status == before


def test_a_moderator_still_hears_why_an_entry_of_theirs_was_not_approved(
    client, entries, maintainer
):
    """Within their own projects a maintainer sees every entry's page, history included, so the
    refusal may say who decided first."""
    outcomes = services.contribution_bulk_approve(
        contribution_ids=[entries["approved"].pk, entries["pending"].pk], moderator=maintainer
    )
    assert outcomes[entries["pending"].pk] == "approved"
    assert MODERATOR in outcomes[entries["approved"].pk]


@pytest.mark.parametrize("action", ["approve", "reject", "request_changes"])
def test_the_moderation_page_refuses_before_it_tells_the_status(client, entries, action):
    """An approved entry is public; someone who may not moderate it is refused for that, not
    told who decided it."""
    outsider = factories.UserFactory(username="outsider")
    client.force_login(outsider)
    url = reverse("contributions:contribution_moderate", kwargs={"pk": entries["approved"].pk})
    response = client.post(url, {"action": action, "note": "Why not."})
    assert response.status_code == HTTPStatus.FORBIDDEN
    assert "already decided" not in page_text(response).lower()


@pytest.mark.parametrize("action", ["approve", "reject", "request-changes"])
def test_the_api_refuses_before_it_tells_the_status(entries, contributor_user, action):
    api = APIClient()
    api.force_authenticate(contributor_user)
    response = api.post(
        f"/api/v1/contributions/{entries['approved'].pk}/{action}/", {"note": "x"}, format="json"
    )
    assert response.status_code == HTTPStatus.FORBIDDEN
    assert MODERATOR not in response.content.decode()


@pytest.mark.parametrize("action", ["approve", "reject", "request_changes"])
def test_the_services_refuse_before_they_tell_the_status(entries, action):
    outsider = factories.UserFactory(username="outsider")
    service = getattr(services, f"contribution_{action}")
    with pytest.raises(PermissionDenied) as refused:
        service(contribution=entries["approved"], moderator=outsider, note="x")
    assert MODERATOR not in str(refused.value)
