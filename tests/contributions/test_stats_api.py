"""The statistics endpoints: what they show comes from the rollups only, with its freshness."""

import datetime as dt
from decimal import Decimal
from http import HTTPStatus

import pytest
from django.urls import include, path
from django.utils import timezone
from drf_spectacular.generators import SchemaGenerator
from rest_framework.test import APIClient

from contributions import stats
from contributions.models import Contribution, ProjectStatsSummary
from tests import factories

pytestmark = [pytest.mark.django_db, pytest.mark.urls(__name__)]

# The endpoints as cartography/api.py mounts them, without depending on its other routes.
urlpatterns = [path("api/v1/", include("contributions.api_stats"))]

TODAY = timezone.localdate()


@pytest.fixture
def client():
    return APIClient()


@pytest.fixture
def ledger():
    """Two listed projects in two continents, one hidden project, and rollups built."""
    europe = factories.CountryFactory(code="PL", name="Poland", continent="EU")
    asia = factories.CountryFactory(code="TH", name="Thailand", continent="AS", numeric="764")
    bielik = factories.ProjectFactory(slug="bielik", governance_model="nonprofit_grassroots")
    bielik.countries.add(europe)
    typhoon = factories.ProjectFactory(slug="typhoon", governance_model="single_company")
    typhoon.countries.add(asia)
    hidden = factories.ProjectFactory(slug="hidden", listing_status="pending")
    month_ago = TODAY - dt.timedelta(days=31)
    for project, type_, day, quantity in [
        (bielik, "data_annotation", TODAY, Decimal(10)),
        (bielik, "data_annotation", TODAY, Decimal("2.5")),
        (bielik, "code", month_ago, None),
        (typhoon, "evaluation", TODAY, None),
        (hidden, "code", TODAY, None),
    ]:
        factories.ContributionFactory(
            project=project,
            status="approved",
            type=type_,
            occurred_on=day,
            quantity=quantity,
            unit="items annotated" if quantity is not None else "",
        )
    stats.reconcile()
    return {"bielik": bielik, "typhoon": typhoon, "hidden": hidden}


def test_global_stats_with_breakdowns(client, ledger, django_assert_max_num_queries):
    with django_assert_max_num_queries(2):
        response = client.get("/api/v1/stats/")
    assert response.status_code == HTTPStatus.OK
    data = response.json()
    assert data["updated_at"] is not None
    assert data["totals"]["contributions"] == 5  # statistics count every project's ledger
    assert data["totals"]["projects"] == 3
    assert data["totals"]["non_code_share"] == 0.6
    continents = {row["key"]: row["contributions"] for row in data["by_continent"]}
    assert continents == {"EU": 3, "AS": 1, "unspecified": 1}
    governance = {row["key"]: row for row in data["by_governance_model"]}
    assert governance["single_company"]["label"] == "Single company project"
    assert governance["nonprofit_grassroots"]["contributions"] == 4
    domains = {row["key"]: row["contributions"] for row in data["by_domain"]}
    assert domains == {"data": 2, "software": 2, "evaluation": 1}
    assert {row["key"] for row in data["by_artifact_domain"]} == {"unspecified"}
    assert {row["key"] for row in data["by_phase"]} == {"post_training"}


def test_endpoints_read_the_rollups_not_the_ledger(client, ledger):
    Contribution.objects.filter(project=ledger["bielik"]).update(status="withdrawn")
    # Until a job runs, the endpoints show the last computed numbers (and say when).
    assert client.get("/api/v1/stats/").json()["totals"]["contributions"] == 5
    assert client.get("/api/v1/projects/bielik/stats/").json()["contributions"] == 3
    stats.reconcile()
    assert client.get("/api/v1/stats/").json()["totals"]["contributions"] == 2
    assert client.get("/api/v1/projects/bielik/stats/").json()["contributions"] == 0


def test_project_stats(client, ledger, django_assert_max_num_queries):
    # The project, its summary and its work by source: rollups only.
    with django_assert_max_num_queries(3):
        response = client.get("/api/v1/projects/bielik/stats/")
    assert response.status_code == HTTPStatus.OK
    data = response.json()
    summary = ProjectStatsSummary.objects.get(project=ledger["bielik"])
    assert data["updated_at"] == summary.computed_at.isoformat().replace("+00:00", "Z")
    assert data["project"] == "bielik"
    assert data["contributions"] == 3
    assert data["by_type"] == {"code": 1, "data_annotation": 2}
    assert data["non_code_share"] == 0.6667
    assert data["quantities"] == {"items annotated": 12.5}
    assert data["absence_factor"] == 2  # three contributors with one entry each: 2 of 3
    assert data["elephant_factor"] is None  # nobody is affiliated


def test_project_stats_before_any_rollup_and_for_hidden_projects(client, ledger):
    fresh = factories.ProjectFactory(slug="fresh")
    data = client.get(f"/api/v1/projects/{fresh.slug}/stats/").json()
    assert data["contributions"] == 0
    assert data["updated_at"] is None
    assert client.get("/api/v1/projects/hidden/stats/").status_code == HTTPStatus.NOT_FOUND
    assert client.get("/api/v1/projects/nope/stats/").status_code == HTTPStatus.NOT_FOUND


def test_timeseries_global_and_filtered(client, ledger):
    data = client.get("/api/v1/stats/timeseries/").json()
    this_month, last_month = stats.month_key(TODAY), stats.month_key(TODAY - dt.timedelta(31))
    assert data["updated_at"] is not None
    by_month = {point["month"]: point for point in data["results"]}
    assert by_month[this_month]["contributions"] == 4
    assert by_month[this_month]["quantities"] == {"items annotated": 12.5}
    assert by_month[last_month]["contributions"] == 1
    assert [p["month"] for p in data["results"]] == sorted(by_month)

    data = client.get("/api/v1/stats/timeseries/", {"project": "bielik", "domain": "data"}).json()
    assert data["filters"] == {"project": "bielik", "domain": "data"}
    assert [(p["month"], p["contributions"]) for p in data["results"]] == [(this_month, 2)]
    data = client.get("/api/v1/stats/timeseries/", {"type": "code", "phase": "post_training"})
    assert sum(p["contributions"] for p in data.json()["results"]) == 2


@pytest.mark.parametrize(
    "query",
    [{"project": "hidden"}, {"project": "nope"}, {"type": "poetry"}, {"phase": "someday"}],
)
def test_timeseries_rejects_unknown_filters(client, ledger, query):
    response = client.get("/api/v1/stats/timeseries/", query)
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert set(response.json()["errors"]) == set(query)


def test_the_schema_documents_the_endpoints_without_warnings(capsys):
    from contributions.api_stats import urlpatterns as stats_urls

    schema = SchemaGenerator(patterns=[path("api/v1/", include(stats_urls))]).get_schema(
        request=None, public=True
    )
    assert set(schema["paths"]) == {
        "/api/v1/stats/",
        "/api/v1/stats/timeseries/",
        "/api/v1/projects/{slug}/stats/",
    }
    parameters = {
        p["name"] for p in schema["paths"]["/api/v1/stats/timeseries/"]["get"]["parameters"]
    }
    assert parameters == {"project", "type", "domain", "phase"}
    assert "updated_at" in schema["components"]["schemas"]["ProjectStats"]["properties"]
    captured = capsys.readouterr()
    assert "Warning" not in captured.err + captured.out
    assert "Error" not in captured.err + captured.out
