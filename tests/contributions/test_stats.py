"""Rollups: the services' writes reach them through the jobs, the ledger version triggers mark them
stale, the reconciliation and the full rebuild make them exact, and the numbers are the
hand-computed ones."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from contributions import services, stats, stats_reader, tasks
from contributions.models import (
    Contribution,
    ProjectLedgerVersion,
    ProjectMonthlyRollup,
    ProjectStatsSummary,
)
from tests import factories
from tests.contributions.oracles import assert_rollups_exact

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()


@pytest.fixture
def eager(settings):
    """Run jobs in-process (the embedded default), whatever broker the run is configured with."""
    conf = tasks.refresh_project_stats.app.conf
    previous = conf.task_always_eager
    conf.task_always_eager = True
    yield
    conf.task_always_eager = previous


@pytest.fixture
def run_jobs(eager, django_capture_on_commit_callbacks):
    """Each service call inside `with run_jobs():` runs its after-commit jobs when it returns."""

    def runner():
        return django_capture_on_commit_callbacks(execute=True)

    return runner


def submit(user, project, *, days_ago=3, **fields):
    fields.setdefault("type", "data_annotation")
    fields.setdefault("title", "Work")
    return services.contribution_submit(
        user=user, project=project, occurred_on=TODAY - dt.timedelta(days=days_ago), **fields
    )


def version_of(project) -> int:
    row = ProjectLedgerVersion.objects.filter(project=project).first()
    return row.version if row else 0


# THE LEDGER VERSION TRIGGERS
# ------------------------------------------------------------------------------
def test_only_writes_that_move_statistics_bump_the_ledger_version(project, maintainer):
    user = factories.UserFactory()
    entry = submit(user, project)
    assert version_of(project) == 0  # a pending entry moves no statistic
    services.contribution_approve(contribution=entry, moderator=maintainer)
    assert version_of(project) == 1
    services.contribution_update(contribution=entry, user=maintainer, quantity=Decimal(5), unit="x")
    assert version_of(project) == 2
    language = factories.LanguageFactory(code="yor", name="Yoruba", resource_level="low")
    services.contribution_update(contribution=entry, user=maintainer, languages=[language])
    assert version_of(project) >= 3
    before = version_of(project)
    services.contribution_revoke(contribution=entry, moderator=maintainer, note="duplicate")
    assert version_of(project) == before + 1
    other = submit(user, project)
    services.contribution_reject(contribution=other, moderator=maintainer, note="no evidence")
    assert version_of(project) == before + 1  # pending to rejected never was approved


# JOBS FROM THE SERVICES
# ------------------------------------------------------------------------------
def test_approval_revocation_and_edit_refresh_the_project_rollups(project, maintainer, run_jobs):
    user = factories.UserFactory()
    entry = submit(user, project, quantity=Decimal("120.50"), unit="items annotated")
    assert not ProjectStatsSummary.objects.filter(project=project).exists()
    with run_jobs():
        services.contribution_approve(contribution=entry, moderator=maintainer)
    summary = ProjectStatsSummary.objects.get(project=project)
    assert summary.contributions == 1
    assert summary.quantities == {"items annotated": "120.50"}
    assert summary.ledger_version == version_of(project)
    with run_jobs():
        services.contribution_update(contribution=entry, user=maintainer, type="translation")
    summary.refresh_from_db()
    assert summary.by_type == {"translation": 1}
    assert summary.by_domain == {"data": 1}
    with run_jobs():
        services.contribution_revoke(contribution=entry, moderator=maintainer, note="duplicate")
    summary.refresh_from_db()
    assert summary.contributions == 0
    assert not ProjectMonthlyRollup.objects.filter(project=project).exists()
    assert_rollups_exact([project.pk])


def test_account_deletion_keeps_the_work_credited(project, maintainer, run_jobs):
    user = factories.UserFactory()
    entry = submit(user, project)
    with run_jobs():
        services.contribution_approve(contribution=entry, moderator=maintainer)
    with run_jobs():
        services.account_delete(user=user)
    summary = ProjectStatsSummary.objects.get(project=project)
    assert (summary.contributions, summary.contributors) == (1, 1)
    assert_rollups_exact([project.pk])


# THE NUMBERS, HAND-COMPUTED
# ------------------------------------------------------------------------------
def test_project_metrics_on_a_hand_computed_ledger(project, maintainer, run_jobs):
    org_x = factories.OrganisationFactory(slug="x")
    org_y = factories.OrganisationFactory(slug="y")
    yoruba = factories.LanguageFactory(code="yor", name="Yoruba", resource_level="low")
    polish = factories.LanguageFactory(code="pol", name="Polish", resource_level="medium")
    ada, ben, cy = (factories.UserFactory(username=n) for n in ("ada", "ben", "cy"))
    for user, org in ((ada, org_x), (ben, org_y), (cy, None)):
        services.contributor_update_profile(
            contributor=services.contributor_for_user(user=user), affiliation=org
        )
    entries = [
        # Ada (at X): 3 annotation entries this month, 1 code entry 100 days ago.
        *(
            submit(ada, project, days_ago=1, quantity=Decimal(100), unit="items annotated")
            for _ in range(3)
        ),
        submit(ada, project, days_ago=100, type="code", phase="pre_training"),
        # Ben (at Y): 2 evaluation entries 40 days ago, one serving Yoruba and Polish.
        submit(ben, project, days_ago=40, type="evaluation", languages=[yoruba, polish]),
        submit(ben, project, days_ago=40, type="evaluation", languages=[polish]),
        # Cy (unaffiliated): 1 translation 200 days ago, paid.
        submit(cy, project, days_ago=200, type="translation", compensation="paid"),
    ]
    submit(cy, project, type="translation")  # pending: never counted
    for entry in entries:
        with run_jobs():
            services.contribution_approve(contribution=entry, moderator=maintainer)
    # Ada later moves to Y: her approved work stays with X (affiliation at the time).
    services.contributor_update_profile(
        contributor=services.contributor_for_user(user=ada), affiliation=org_y
    )
    late = submit(ada, project, days_ago=0, type="documentation")
    with run_jobs():
        services.contribution_approve(contribution=late, moderator=maintainer)

    payload = stats_reader.project_stats(project.pk).as_payload()
    assert payload["contributions"] == 8
    assert payload["contributors"] == 3
    # Ada 5 of 8: she alone carries half.
    assert payload["absence_factor"] == 1
    assert payload["absence_factor_by_type"] == {
        "code": 1,
        "data_annotation": 1,
        "documentation": 1,
        "evaluation": 1,
        "translation": 1,
    }
    # Affiliated: X 4 (Ada before the move), Y 3 (Ben 2, Ada 1 after); 4 >= 7/2.
    assert payload["elephant_factor"] == 1
    assert payload["affiliated_contributions"] == 7
    assert payload["organisations"] == 2
    assert payload["non_code_contributions"] == 7
    assert payload["non_code_share"] == 0.875
    assert payload["active_30"] == 1  # Ada
    assert payload["active_90"] == 2  # Ada, Ben
    first_month = {
        "ada": stats.month_key(TODAY - dt.timedelta(days=100)),
        "ben": stats.month_key(TODAY - dt.timedelta(days=40)),
        "cy": stats.month_key(TODAY - dt.timedelta(days=200)),
    }
    expected_new: dict[str, int] = {}
    for month in first_month.values():
        expected_new[month] = expected_new.get(month, 0) + 1
    assert payload["new_contributors_by_month"] == dict(sorted(expected_new.items()))
    assert payload["by_domain"] == {"community": 1, "data": 4, "evaluation": 2, "software": 1}
    assert payload["by_compensation"] == {"paid": 1, "undisclosed": 7}
    assert payload["language_tagged_contributions"] == 2
    assert payload["underrepresented_language_contributions"] == 1
    assert payload["underrepresented_language_share"] == 0.5
    assert payload["languages"] == [
        {"code": "pol", "name": "Polish", "contributions": 2, "underrepresented": False},
        {"code": "yor", "name": "Yoruba", "contributions": 1, "underrepresented": True},
    ]
    assert payload["quantities"] == {"items annotated": "300.00"}
    assert_rollups_exact()


# STALENESS, RECONCILIATION, REBUILD
# ------------------------------------------------------------------------------
def _ledger(n_projects=3, per_project=4):
    projects = [factories.ProjectFactory() for _ in range(n_projects)]
    for i, project in enumerate(projects):
        for j in range(per_project):
            factories.ContributionFactory(
                project=project,
                status="approved",
                type=["code", "evaluation", "translation"][j % 3],
                occurred_on=TODAY - dt.timedelta(days=30 * (i + j)),
            )
    return projects


def test_writes_that_bypass_the_jobs_leave_projects_stale_until_reconciled(eager):
    projects = _ledger()
    assert stats.stale_project_ids() == sorted(p.pk for p in projects)
    assert stats.global_is_stale()
    result = stats.reconcile()
    assert result == {"projects": 3, "global": True}
    assert_rollups_exact()
    # A change that no job reported (a lost message) is found by the next reconciliation.
    Contribution.objects.filter(project=projects[1]).update(phase="post_release")
    assert stats.stale_project_ids() == [projects[1].pk]
    assert stats.reconcile() == {"projects": 1, "global": True}
    assert_rollups_exact()
    assert stats.reconcile() == {"projects": 0, "global": False}


def test_a_summary_from_an_earlier_day_is_stale(eager):
    (project,) = _ledger(n_projects=1)
    stats.reconcile()
    ProjectStatsSummary.objects.update(computed_on=TODAY - dt.timedelta(days=1))
    assert stats.stale_project_ids() == [project.pk]


def test_rebuild_command_recomputes_everything(eager, capsys):
    _ledger()
    stats.reconcile()
    ProjectStatsSummary.objects.update(contributions=999)  # corrupted, yet "fresh" by version
    ProjectMonthlyRollup.objects.all().delete()
    call_command("rebuild_stats")
    assert_rollups_exact()
    assert "Rebuilt statistics of 3 projects" in capsys.readouterr().out


def test_invalidation_survives_an_interrupted_rebuild(eager):
    projects = _ledger()
    stats.reconcile()
    stats.invalidate_all()
    stats.refresh_project(projects[0].pk)  # the rebuild dies after one project
    assert stats.stale_project_ids() == sorted(p.pk for p in projects[1:])
    stats.reconcile()
    assert_rollups_exact()


def test_reconcile_task_reports_what_it_did(eager):
    _ledger(n_projects=2)
    assert tasks.reconcile_stats.delay().get() == {"projects": 2, "global": True}


# THE MAINTAINERS' DIGEST
# ------------------------------------------------------------------------------
def test_digest_lists_each_maintainers_pending_entries(project, maintainer, other_maintainer):
    author = factories.UserFactory(username="author")
    submit(author, project, title="Preference pairs for Polish")
    own = factories.ContributorFactory(user=maintainer)
    factories.ContributionFactory(project=project, contributor=own, title="My own entry")
    sent = tasks.send_pending_digest()
    assert sent == 1  # the other maintainer has nothing waiting
    (message,) = mail.outbox
    assert message.to == [maintainer.email]
    assert "Preference pairs for Polish" in message.body
    assert "My own entry" not in message.body  # nobody moderates their own work
