"""The statistics reader: what it answers comes from the rollups only, equals the ledger once the
rollups are refreshed, and is zeros (never an error) before the first refresh."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from contributions import stats, stats_reader
from contributions.models import Contribution
from projects.models import Project
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def ledger(project):
    other = factories.ProjectFactory(slug="other")
    for target, type_, phase, status in [
        (project, "data_annotation", "post_training", "approved"),
        (project, "data_annotation", "post_training", "approved"),
        (project, "code", "pre_training", "approved"),
        (project, "translation", "post_release", "approved"),
        (project, "code", "pre_training", "pending"),
        (other, "evaluation", "post_release", "approved"),
    ]:
        factories.ContributionFactory(project=target, type=type_, phase=phase, status=status)
    return {"project": project, "other": other}


def test_before_the_first_refresh_the_reader_answers_zeros(ledger):
    project = ledger["project"]
    read = stats_reader.project_stats(project.pk)
    assert (read.contributions, read.contributors, read.updated_at) == (0, 0, None)
    assert read.non_code_share is None and read.underrepresented_language_share is None
    assert stats_reader.type_phase_counts(project.pk) == {}
    breakdowns = stats_reader.global_breakdowns()
    assert breakdowns.updated_at is None
    assert breakdowns.total.as_payload() == {
        "key": "",
        "label": "All projects",
        "contributions": 0,
        "contributors": 0,
        "projects": 0,
        "non_code_share": None,
        "synthetic_contributions": 0,
    }


def test_the_reader_reads_only_the_rollups_and_they_match_the_ledger(ledger):
    project, other = ledger["project"], ledger["other"]
    stats.reconcile()
    projects = Project.objects.filter(pk__in=[project.pk, other.pk])
    with CaptureQueriesContext(connection) as queries:
        read = stats_reader.project_stats(project.pk)
        many = stats_reader.stats_by_project([project.pk, other.pk, 0])
        table = stats_reader.type_phase_counts(project.pk)
        by_project = stats_reader.contributions_by_project(projects)
        breakdowns = stats_reader.global_breakdowns()
        series = stats_reader.timeseries(project_id=project.pk, type_="data_annotation")
    assert not [q for q in queries if '"contributions_contribution"' in q["sql"]]

    approved = Contribution.objects.filter(project=project, status="approved")
    assert read.contributions == approved.count() == 4
    assert read.non_code_share == 0.75  # 3 of the 4 are not code
    assert read.updated_at is not None
    assert many[project.pk] == read
    assert many[0] == stats_reader.ProjectStats(project_id=0)  # every id asked is answered
    assert table == {
        "code": {"pre_training": 1},
        "data_annotation": {"post_training": 2},
        "translation": {"post_release": 1},
    }
    assert by_project == {project.pk: 4, other.pk: 1}
    assert breakdowns.total.contributions == 5
    assert breakdowns.total.non_code_share == 0.8
    assert breakdowns.contributions(stats_reader.Dimension.TYPE, "code") == 1
    # Most contributions first.
    assert breakdowns.of(stats_reader.Dimension.TYPE)[0].key == "data_annotation"
    assert sum(point["contributions"] for point in series.points) == 2  # data annotation only


def test_the_api_payload_of_a_project_is_the_reader_s(ledger, client):
    project = ledger["project"]
    stats.reconcile()
    payload = client.get(f"/api/v1/projects/{project.slug}/stats/").json()
    expected = stats_reader.project_stats(project.pk).as_payload()
    assert payload["non_code_share"] == expected["non_code_share"] == 0.75
    assert payload["contributions"] == expected["contributions"] == 4
    assert set(payload) == {"project", "by_source", *expected}
    assert payload["by_source"] == [
        row.as_payload() for row in stats_reader.project_sources(project.pk)
    ]
