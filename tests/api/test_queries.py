"""Query counts of every list endpoint: bounded, and the same for a page of 3 rows as of 30."""

from http import HTTPStatus

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from contributions.models import Contributor
from tests import factories

pytestmark = pytest.mark.django_db

# Queries for one page, signed-in by session (the session and the user are 2 of them) or by token
# (1), whatever the page size: a count (limit/offset lists), the page, and one per prefetched
# relation. The ceilings are the measured counts; a change that adds a query per row breaks them.
LIST_ENDPOINTS = {
    "/api/v1/organizations/": 4,
    "/api/v1/projects/": 7,
    "/api/v1/projects/bielik/artifacts/": 7,
    "/api/v1/artifacts/": 6,
    "/api/v1/licenses/": 4,
    "/api/v1/languages/": 4,
    "/api/v1/contributors/": 5,
    "/api/v1/contributions/": 4,
    "/api/v1/contributions/csv/": 4,
    "/api/v1/projects/bielik/all-contributors/": 6,
    "/api/v1/snapshot/": 16,
}


def populate(project, n: int) -> None:
    """n more of everything listed, each row with the relations its serializer shows."""
    start = Contributor.objects.count()
    country = factories.CountryFactory()
    licence = factories.LicenceFactory()
    for i in range(start, start + n):
        language = factories.LanguageFactory(code=f"l{i:02d}", name=f"Language {i}")
        factories.LicenceFactory(identifier=f"LIC-{i}", name=f"Licence {i}")
        organisation = factories.OrganisationFactory(country=country)
        other = factories.ProjectFactory(governance_model="single_company")
        other.countries.add(country)
        other.languages.add(language)
        other.organisations.add(organisation, through_defaults={"role": "lead"})
        artifact = factories.ArtifactFactory(project=project, licence=licence)
        artifact.languages.add(language)
        artifact.components.create(component="model_card", licence=licence)
        contributor = factories.ContributorFactory(
            affiliation=organisation, country=country, github=f"person-{i}"
        )
        contributor.languages.add(language)
        contribution = factories.ContributionFactory(
            project=project,
            artifact=artifact,
            contributor=contributor,
            affiliation=organisation,
            status="approved",
        )
        contribution.languages.add(language)


def count_queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
        if response.streaming:
            b"".join(response.streaming_content)
    assert response.status_code == HTTPStatus.OK, url
    return len(captured.captured_queries)


@pytest.mark.parametrize("url", LIST_ENDPOINTS)
def test_list_queries_are_bounded_and_do_not_grow(
    url, client, project, maintainer, django_assert_max_num_queries
):
    client.force_login(maintainer)
    populate(project, 3)
    small = count_queries(client, url)
    populate(project, 27)
    with django_assert_max_num_queries(LIST_ENDPOINTS[url]):
        large = count_queries(client, url)
    assert large == small


@pytest.mark.parametrize("url", ["/api/v1/contributions/", "/api/v1/projects/"])
def test_anonymous_and_token_callers_pay_no_more(url, api_client, token_client, project):
    populate(project, 5)
    anonymous = count_queries(api_client, url)
    by_token = count_queries(token_client, url)
    # The token lookup (one query; the last-used stamp at most once a minute) is all a token adds.
    assert by_token <= anonymous + 2
