"""The public pages of the cartography: the map, the governance view, the compare view, badges."""

import re
from http import HTTPStatus

import pytest
from django.urls import reverse

from contributions import stats
from projects.choices import GovernanceModel
from projects.models import Project
from tests import factories
from tests.cartography.conftest import APPROVED, NON_CODE

pytestmark = pytest.mark.django_db


def text(response) -> str:
    return response.content.decode()


def test_home_draws_every_chart_with_its_table_and_api_link(client, ledger):
    response = client.get(reverse("home"))
    assert response.status_code == HTTPStatus.OK
    page = text(response)
    # Two maps, and every chart has a data table and a link to the API call behind it.
    assert page.count('class="chart worldmap"') == 2
    for table in ("countries", "governance", "code-mix", "phases", "domains", "languages"):
        assert f'data-testid="table-{table}"' in page
    assert page.count("<figure") == page.count("<figcaption")
    for caption in re.findall(r"<figcaption>(.*?)</figcaption>", page, flags=re.S):
        assert 'href="/api/v1/' in caption
    # No inline code anywhere: the Content Security Policy forbids it.
    assert "<script" not in page
    assert "style=" not in page
    assert "<style" not in page


def test_home_numbers_come_from_the_rollups(client, ledger):
    page = text(client.get(reverse("home")))
    total = re.search(r'data-testid="total-contributions">([\d,]+)<', page).group(1)
    assert int(total.replace(",", "")) == APPROVED
    share = re.search(r'data-testid="non-code-share">(\d+)%<', page).group(1)
    assert int(share) == round(100 * NON_CODE / APPROVED)
    listed = Project.objects.filter(listing_status="listed").count()
    assert re.search(rf'data-testid="total-projects">{listed}<', page)


@pytest.mark.parametrize("name", ["home", "governance"])
def test_statistics_pages_never_read_the_ledger(client, ledger, name):
    """The map and the governance view read rollups and registry tables only: their cost does not
    grow with the ledger."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        assert client.get(reverse(name)).status_code == HTTPStatus.OK
    ledger_queries = [q["sql"] for q in queries if '"contributions_contribution"' in q["sql"]]
    assert ledger_queries == []
    assert len(queries) <= 25


def _ledger_queries(queries) -> list[str]:
    """The SQL statements that read the contributions table itself (not its link tables)."""
    return [q["sql"] for q in queries if '"contributions_contribution"' in q["sql"]]


def test_project_page_reads_its_statistics_from_the_rollups(client, ledger):
    """The counts by type and phase come from the rollups; the one statement on the ledger is the
    bounded list of recent entries, never an aggregate."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    project = Project.objects.get(slug="bielik")
    with CaptureQueriesContext(connection) as queries:
        response = client.get(project.get_absolute_url())
    assert response.status_code == HTTPStatus.OK
    assert "6 approved contributions" in text(response)
    ledger_queries = _ledger_queries(queries)
    assert len(ledger_queries) == 1
    (recent,) = ledger_queries
    assert "LIMIT" in recent.upper()
    assert "COUNT(" not in recent.upper() and "GROUP BY" not in recent.upper()


def test_snapshot_reads_no_statistic_from_the_ledger(client, ledger):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        response = client.get("/api/v1/snapshot/")
    assert response.status_code == HTTPStatus.OK
    assert _ledger_queries(queries) == []
    bielik = next(p for p in response.json()["projects"] if p["slug"] == "bielik")
    assert bielik["approved_contributions"] == {"code": 2, "data_annotation": 3, "evaluation": 1}
    assert sum(p["contributor_count"] > 0 for p in response.json()["projects"]) == 3


def test_map_and_stats_api_agree_on_the_non_code_share(client, ledger):
    """One definition of the share: a fraction from 0 to 1, the same number in both payloads."""
    map_data = client.get("/api/v1/map/").json()
    stats_data = client.get("/api/v1/stats/").json()
    expected = round(NON_CODE / APPROVED, 4)
    assert map_data["totals"]["non_code_share"] == stats_data["totals"]["non_code_share"]
    assert map_data["totals"]["non_code_share"] == expected
    by_model = {row["key"]: row["non_code_share"] for row in stats_data["by_governance_model"]}
    shares = []
    for group in map_data["governance_models"]:
        assert group["non_code_share"] == by_model.get(group["key"])
        shares.append(group["non_code_share"])
        for project in group["projects"]:
            own = client.get(f"/api/v1/projects/{project['slug']}/stats/").json()
            assert project["non_code_share"] == own["non_code_share"]
            shares.append(project["non_code_share"])
    assert {round(4 / 6, 4), 0.5, 1.0} <= set(shares)  # bielik, olmo, llama
    assert all(0 <= value <= 1 for value in shares if value is not None)


def test_home_marks_inferred_governance_and_underrepresented_languages(client, seeded):
    page = text(client.get(reverse("home")))
    inferred = Project.objects.filter(governance_confirmed=False).count()
    assert inferred  # the seed's models are inferences
    assert page.count('<span class="inferred">') >= inferred
    assert 'data-underrepresented="true"' in page


def test_home_works_without_any_statistics(client, db):
    response = client.get(reverse("home"))
    assert response.status_code == HTTPStatus.OK
    page = text(response)
    assert "No contribution has been counted yet" in page
    # Plain words: no "not computed", no "rollups" on a public page.
    assert "not computed" not in page
    assert "rollups" not in page


def test_governance_view_lists_each_model_with_its_projects(client, ledger):
    response = client.get(reverse("governance"))
    assert response.status_code == HTTPStatus.OK
    page = text(response)
    for model in GovernanceModel:
        assert f'id="model-{model.value}"' in page
    for project in Project.objects.filter(listing_status="listed"):
        assert project.get_absolute_url() in page
    assert "<script" not in page and "style=" not in page


def test_map_api_matches_the_page(client, ledger):
    data = client.get("/api/v1/map/").json()
    assert data["totals"]["contributions"] == APPROVED
    by_model = {row["key"]: row for row in data["governance_models"]}
    assert {p["slug"] for p in by_model["nonprofit_grassroots"]["projects"]} >= {"bielik"}
    bielik = next(p for p in by_model["nonprofit_grassroots"]["projects"] if p["slug"] == "bielik")
    assert bielik["contributions"] == 6
    assert bielik["governance_confirmed"] is False
    poland = next(row for row in data["countries"] if row["code"] == "PL")
    assert poland["contributions"] == 6


def test_compare_two_to_four_projects(client, ledger):
    response = client.get(reverse("compare"), {"projects": ["bielik", "olmo", "llama"]})
    assert response.status_code == HTTPStatus.OK
    page = text(response)
    assert 'data-testid="compare-table"' in page
    for name in ("Bielik", "OLMo", "Llama"):
        assert name in page
    assert "/api/v1/projects/bielik/stats/" in page
    # The openness of the models is in the table, Llama's licence withholding the use freedom.
    assert "llama-3-1-8b-instruct/#openness" in page


@pytest.mark.parametrize("chosen", [["bielik"], ["a", "b", "c", "d", "e"]])
def test_compare_refuses_fewer_than_two_or_more_than_four(client, seeded, chosen):
    response = client.get(reverse("compare"), {"projects": chosen})
    assert response.status_code == HTTPStatus.BAD_REQUEST


@pytest.mark.parametrize("kind", ["non-code", "mof", "contributions", "osaid"])
def test_badges_are_svg_with_numbers_from_the_rollups(client, ledger, kind):
    response = client.get(reverse("badge", args=["bielik", kind]))
    assert response.status_code == HTTPStatus.OK
    assert response["Content-Type"].startswith("image/svg+xml")
    svg = text(response)
    assert svg.startswith("<svg") and "<script" not in svg
    if kind == "non-code":
        assert f"{round(100 * 4 / 6)}%" in svg  # bielik: 4 of its 6 entries are not code
    if kind == "contributions":
        assert ">6<" in svg


def test_unknown_badge_and_unlisted_project_are_404(client, seeded):
    assert client.get(reverse("badge", args=["bielik", "stars"])).status_code == 404
    assert client.get(reverse("badge", args=["no-such", "mof"])).status_code == 404


def test_a_producer_with_logged_work_is_a_row_like_any_project(client, db):
    """Named apart only while nothing is logged for it: work makes it a row of its group."""
    from cartography.selectors import governance_groups

    quiet = factories.ProjectFactory(
        slug="quiet", name="Quiet producer", source="import", governance_model="other"
    )
    busy = factories.ProjectFactory(
        slug="busy", name="Busy producer", source="import", governance_model="other"
    )
    chosen = factories.ProjectFactory(slug="chosen", name="Chosen other", governance_model="other")
    factories.ContributionFactory(project=busy, status="approved")
    stats.refresh_project(busy.pk)
    stats.refresh_global()
    other = next(g for g in governance_groups() if g.model == "other")
    assert [p.slug for p in other.not_yet_classified] == [quiet.slug]
    assert {p.slug for p in other.projects} == {busy.slug, chosen.slug}
