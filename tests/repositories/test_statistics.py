"""Repository work beside logged work in the statistics, with the source of each number: the
project's rollup by source, the statistics endpoints, the project page, the profile and the map,
from the repository `build_history` makes (its ledger is EXPECTED) and two logged entries."""

from http import HTTPStatus

import pytest
from rest_framework.test import APIClient

from contributions import stats, stats_reader
from contributions.choices import CODE_TYPES
from contributions.models import Contributor
from repositories.services import repository_source_add
from tests import factories
from tests.contributions.oracles import assert_rollups_exact
from tests.repositories.conftest import EXPECTED, sync

pytestmark = pytest.mark.django_db

REPOSITORY_CELLS = len(EXPECTED)  # 14
REPOSITORY_NON_CODE = sum(1 for (_who, _month, type_) in EXPECTED if type_ not in CODE_TYPES)
REPOSITORY_PEOPLE = len({who for (who, _month, _type) in EXPECTED})  # 5
COMMITS = sum(commits for commits, _added, _removed in EXPECTED.values())
LINES_ADDED = sum(added for _commits, added, _removed in EXPECTED.values())
LINES_REMOVED = sum(removed for _commits, _added, removed in EXPECTED.values())


@pytest.fixture
def credited(project, history):
    repo, _shas = history
    source = repository_source_add(project=project, url=str(repo.path), allow_local=True)
    sync(source)
    logger = factories.ContributorFactory(display_name="Logger")
    factories.ContributionFactory(
        project=project, contributor=logger, status="approved", type="translation"
    )
    factories.ContributionFactory(
        project=project, contributor=logger, status="approved", type="code"
    )
    factories.ContributionFactory(project=project, status="pending", type="documentation")
    stats.refresh_project(project.pk)
    stats.refresh_global()
    return source


def test_the_numbers_of_the_history_itself():
    # What the fixture's ledger adds up to, so the assertions below are checked by hand too.
    assert (REPOSITORY_CELLS, REPOSITORY_NON_CODE, REPOSITORY_PEOPLE) == (14, 7, 5)
    assert (COMMITS, LINES_ADDED, LINES_REMOVED) == (14, 46, 2)


def test_the_project_rollup_splits_work_by_source(project, credited):
    rows = {row.key: row for row in stats_reader.project_sources(project.pk)}
    assert set(rows) == {"repository", "web"}
    repository = rows["repository"]
    assert (
        repository.contributions,
        repository.contributors,
        repository.non_code_contributions,
        repository.commits,
        repository.lines_added,
        repository.lines_removed,
    ) == (14, 5, 7, 14, 46, 2)
    assert repository.label == "Repository history"
    web = rows["web"]
    assert (web.contributions, web.contributors, web.non_code_contributions, web.commits) == (
        2,
        1,
        1,
        0,
    )
    # The non-code share is computed over both sources together.
    summary = stats_reader.project_stats(project.pk)
    assert (summary.contributions, summary.non_code_contributions) == (16, 8)
    assert summary.non_code_share == 0.5
    assert_rollups_exact([project.pk])


def test_the_statistics_endpoints_show_each_source(project, credited):
    client = APIClient()
    payload = client.get(f"/api/v1/projects/{project.slug}/stats/").json()
    assert payload["contributions"] == 16 and payload["non_code_share"] == 0.5
    by_source = {row["key"]: row for row in payload["by_source"]}
    assert by_source["repository"] == {
        "key": "repository",
        "label": "Repository history",
        "contributions": 14,
        "contributors": 5,
        "non_code_contributions": 7,
        "non_code_share": 0.5,
        "commits": 14,
        "lines_added": 46,
        "lines_removed": 2,
    }
    assert by_source["web"]["contributions"] == 2 and by_source["web"]["non_code_share"] == 0.5
    global_stats = client.get("/api/v1/stats/").json()
    rows = {row["key"]: row for row in global_stats["by_source"]}
    assert rows["repository"]["contributions"] == 14
    assert rows["repository"]["contributors"] == 5
    assert rows["repository"]["projects"] == 1
    assert rows["web"]["contributions"] == 2
    assert global_stats["totals"]["contributions"] == 16
    assert global_stats["totals"]["non_code_share"] == 0.5


def test_pages_name_the_source_of_each_number(client, project, credited):
    page = client.get(project.get_absolute_url()).content.decode()
    assert 'data-testid="work-by-source"' in page
    assert '<th scope="row">Repository history</th>' in page
    assert '<th scope="row">Web form</th>' in page
    home = client.get("/").content.decode()
    assert 'data-testid="table-sources"' in home
    assert "Repository history" in home
    ada = Contributor.objects.get(display_name="Ada")
    profile = client.get(ada.get_absolute_url())
    assert profile.status_code == HTTPStatus.OK
    text = profile.content.decode()
    assert "Repository history" in text and "verified by the history" in text
    assert "+25 / -2" in text  # Ada's lines: 16 + 4 + 5 + 0 + 0 added, 2 removed
