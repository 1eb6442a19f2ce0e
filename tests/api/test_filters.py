"""The FilterSets the web lists and the API share: complete for every listed model, working under
the same names in the API, and every list answered in a defined order."""

from http import HTTPStatus

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import models
from rest_framework.test import APIRequestFactory
from rest_framework.viewsets import GenericViewSet

from cartography.api import router
from contributions.filters import ContributionFilterSet, ContributorFilterSet
from projects.filters import (
    ArtifactFilterSet,
    LanguageFilterSet,
    LicenceFilterSet,
    OrganisationFilterSet,
    ProjectFilterSet,
)
from tests import factories

pytestmark = pytest.mark.django_db

FILTERSETS = [
    ProjectFilterSet,
    OrganisationFilterSet,
    ArtifactFilterSet,
    LicenceFilterSet,
    LanguageFilterSet,
    ContributionFilterSet,
    ContributorFilterSet,
]

# A field is filterable when a client would select by it: a relation, a choice, a flag or a date.
# Free text is what `q` searches; URLs, counts and audit timestamps are read, not selected by.
# Filter names that differ from the field they filter:
ALIASES = {
    "countries": "country",
    "languages": "language",
    "organisations": "organisation",
    "release_date": "released_after",
    "occurred_on": "date_after",
    "motivations": "motivation",
}
# Fields deliberately without a filter, each with the reason.
EXEMPT = {
    "Project.proposed_by": "who proposed a project is shown to staff only",
    "Organisation.proposed_with": "an organisation pending with a proposal is not listed at all",
    "Contributor.user": "the account behind a profile is not public (profiles are by username)",
    "Contributor.is_public": "the list holds public profiles only",
    "Contributor.is_former": "former contributors are not listed",
    "Contribution.moderated_by": "moderators are not public",
}


def filterable_fields(model: type[models.Model]) -> list[models.Field]:
    fields = []
    for field in model._meta.get_fields():
        if field.auto_created or (not getattr(field, "concrete", False) and not field.many_to_many):
            continue
        if field.primary_key:
            continue
        if (
            field.is_relation
            or field.choices
            or isinstance(field, models.BooleanField)
            or type(field) is models.DateField
            or field.name == "motivations"  # a list of choice codes
        ):
            fields.append(field)
    return fields


@pytest.mark.parametrize("filterset", FILTERSETS, ids=lambda f: f.__name__)
def test_every_filterable_field_has_a_filter(filterset):
    model = filterset._meta.model
    missing = []
    for field in filterable_fields(model):
        if f"{model.__name__}.{field.name}" in EXEMPT:
            continue
        names = {field.name, f"{field.name}_id", ALIASES.get(field.name, "")}
        if not names & set(filterset.base_filters):
            missing.append(field.name)
    assert missing == [], f"{model.__name__} fields without a filter: {missing}"


def test_every_filterset_searches_and_orders():
    for filterset in FILTERSETS:
        assert {"q", "ordering"} <= set(filterset.base_filters), filterset.__name__


def _list_viewsets():
    for prefix, viewset, basename in router.registry:
        if issubclass(viewset, GenericViewSet) and hasattr(viewset, "list"):
            yield prefix, viewset, basename


@pytest.mark.parametrize(
    "role", ["anonymous", "contributor_user", "maintainer", "other_maintainer", "staff"]
)
def test_every_list_queryset_is_ordered(role, request, project):
    user = request.getfixturevalue(role)
    checked = 0
    for _prefix, viewset, _basename in _list_viewsets():
        django_request = APIRequestFactory().get("/")
        django_request.user = user if user.is_authenticated else AnonymousUser()
        view = viewset(action_map={"get": "list"})
        view.format_kwarg = None
        view.kwargs = {"project_slug": project.slug}
        view.request = view.initialize_request(django_request)
        view.request.user = django_request.user
        view.action = "list"
        queryset = view.filter_queryset(view.get_queryset())
        assert queryset.ordered, viewset.__name__
        checked += 1
    assert checked == len(list(_list_viewsets())) >= 8


# The shared filters work under the same names in the API
# ------------------------------------------------------------------------------
@pytest.fixture
def ledger(project):
    other = factories.ProjectFactory(slug="aya", governance_model="single_company")
    polish = factories.LanguageFactory()
    yoruba = factories.LanguageFactory(code="yor", name="Yoruba", resource_level="low")
    entries = [
        factories.ContributionFactory(project=project, type="evaluation", status="approved"),
        factories.ContributionFactory(project=project, type="red_teaming", status="approved"),
        factories.ContributionFactory(project=project, type="code", status="approved"),
        factories.ContributionFactory(project=other, type="evaluation", status="approved"),
        factories.ContributionFactory(project=project, type="evaluation"),  # pending
    ]
    entries[0].languages.set([polish])
    entries[3].languages.set([yoruba, polish])
    return entries


def _ids(response) -> set[int]:
    assert response.status_code == HTTPStatus.OK, response.json()
    return {row["id"] for row in response.json()["results"]}


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("project=bielik", {0, 1, 2}),
        ("type=evaluation", {0, 3}),
        ("domain=evaluation", {0, 1, 3}),
        ("domain=evaluation&project=bielik", {0, 1}),
        ("governance_model=single_company", {3}),
        ("language=pol", {0, 3}),
        ("language=yor", {3}),
        ("status=pending", set()),  # anonymous callers see approved entries only
        ("q=batch", {0, 1, 2, 3}),
    ],
)
def test_contribution_filters_in_the_api(api_client, ledger, query, expected):
    response = api_client.get(f"/api/v1/contributions/?{query}")
    assert _ids(response) == {ledger[i].pk for i in expected}


def test_project_id_filter_matches_the_slug_filter(api_client, ledger, project):
    by_slug = _ids(api_client.get("/api/v1/contributions/?project=bielik"))
    by_id = _ids(api_client.get(f"/api/v1/contributions/?project_id={project.pk}"))
    assert by_slug == by_id and len(by_slug) == 3


def test_invalid_filter_values_are_400_with_the_field_named(api_client):
    response = api_client.get("/api/v1/contributions/?type=poetry&date_after=yesterday")
    assert response.status_code == HTTPStatus.BAD_REQUEST
    body = response.json()
    assert set(body["errors"]) == {"type", "date_after"}
    assert body["detail"].startswith(("type:", "date_after:"))


def test_project_filters_in_the_api(api_client, project):
    factories.ProjectFactory(slug="aya", governance_model="single_company")
    hidden = factories.ProjectFactory(slug="hidden", listing_status="pending")
    response = api_client.get("/api/v1/projects/?governance_model=single_company")
    assert [p["slug"] for p in response.json()["results"]] == ["aya"]
    response = api_client.get("/api/v1/projects/?ordering=-name")
    # "Project N" (the factory's name for aya) sorts after "Bielik"; the proposal is not listed.
    assert [p["slug"] for p in response.json()["results"]] == ["aya", "bielik"]
    assert hidden.slug not in response.content.decode()


def test_motivation_filter_matches_whole_codes(api_client):
    factories.ProjectFactory(slug="open", motivations=["open_science", "innovation"])
    factories.ProjectFactory(slug="regional", motivations=["regional_ecosystem"])
    factories.ProjectFactory(slug="none", motivations=[])

    def slugs(query):
        response = api_client.get(f"/api/v1/projects/?{query}")
        assert response.status_code == HTTPStatus.OK, response.json()
        return {p["slug"] for p in response.json()["results"]}

    assert slugs("motivation=open_science") == {"open"}
    assert slugs("motivation=open_science&motivation=regional_ecosystem") == {"open", "regional"}
    assert slugs("motivation=commercial") == set()
