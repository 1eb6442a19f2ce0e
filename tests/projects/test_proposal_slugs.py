"""Proposal addresses: refused by the service, so the web form and the API agree, and a taken
address gets the same answer whoever holds it (a listed project, the caller's own proposal, or
someone else's proposal the caller cannot see)."""

from __future__ import annotations

import html
from http import HTTPStatus

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from rest_framework.test import APIClient

from projects import services
from projects.choices import ListingStatus
from projects.models import Project
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def holders(contributor_user):
    """One address per kind of holder."""
    stranger = factories.UserFactory(username="stranger")
    factories.ProjectFactory(slug="listed-one")
    factories.ProjectFactory(
        slug="hidden-one", listing_status=ListingStatus.PENDING, proposed_by=stranger
    )
    factories.ProjectFactory(
        slug="declined-one", listing_status=ListingStatus.DECLINED, proposed_by=stranger
    )
    factories.ProjectFactory(
        slug="my-own", listing_status=ListingStatus.PENDING, proposed_by=contributor_user
    )
    return ["listed-one", "hidden-one", "declined-one", "my-own"]


def web_answer(client, slug: str) -> tuple[int, list[str]]:
    response = client.post(
        reverse("projects:project_propose"),
        {
            "name": "Poro",
            "slug": slug,
            "governance_model": "multi_org_research_institute",
            "contribution_agreement": "none",
            "org-TOTAL_FORMS": "0",
            "org-INITIAL_FORMS": "0",
            "org-MIN_NUM_FORMS": "0",
            "org-MAX_NUM_FORMS": "20",
        },
    )
    return response.status_code, [html.unescape(e) for e in response.context["form"].errors["slug"]]


def api_answer(api, slug: str) -> tuple[int, list[str]]:
    response = api.post(
        "/api/v1/projects/",
        {"name": "Poro", "slug": slug, "governance_model": "multi_org_research_institute"},
        format="json",
    )
    return response.status_code, response.json()["errors"]["slug"]


def test_a_taken_address_gets_one_answer_whoever_holds_it(client, contributor_user, holders):
    client.force_login(contributor_user)
    api = APIClient()
    api.force_authenticate(contributor_user)
    for slug in holders:
        assert web_answer(client, slug) == (HTTPStatus.OK, [services.SLUG_TAKEN]), slug
        assert api_answer(api, slug) == (HTTPStatus.BAD_REQUEST, [services.SLUG_TAKEN]), slug
    assert Project.objects.filter(name="Poro").count() == 0


@pytest.mark.parametrize("slug", ["propose", "proposals", "artifacts", "new", "Propose"])
def test_reserved_addresses_are_refused_by_the_service_for_web_and_api(
    client, contributor_user, slug
):
    client.force_login(contributor_user)
    assert web_answer(client, slug) == (HTTPStatus.OK, [services.SLUG_RESERVED])
    api = APIClient()
    api.force_authenticate(contributor_user)
    assert api_answer(api, slug) == (HTTPStatus.BAD_REQUEST, [services.SLUG_RESERVED])
    with pytest.raises(ValidationError) as refused:
        services.project_propose(
            proposer=contributor_user,
            name="Poro",
            slug=slug,
            governance_model="multi_org_research_institute",
        )
    assert refused.value.message_dict == {"slug": [services.SLUG_RESERVED]}
    assert not Project.objects.exists()


def test_an_address_differing_only_in_case_is_taken(contributor_user, holders):
    with pytest.raises(ValidationError) as refused:
        services.project_propose(
            proposer=contributor_user,
            name="Poro",
            slug="Hidden-One",
            governance_model="multi_org_research_institute",
        )
    assert refused.value.message_dict == {"slug": [services.SLUG_TAKEN]}
