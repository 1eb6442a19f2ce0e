"""Statistics against a real worker and broker: faults cost freshness, never correctness."""

import signal

import pytest
from django.core.management import call_command
from django.db import connection, connections

from contributions import services, stats, tasks
from contributions.models import Contribution, GlobalStatsState, ProjectStatsSummary
from tests import factories
from tests.contributions.oracles import assert_rollups_exact
from tests.services.conftest import wait_for

pytestmark = pytest.mark.services

PROJECTS = 40


def _all_fresh() -> bool:
    return not stats.stale_project_ids() and not stats.global_is_stale()


def test_worker_killed_mid_rebuild_then_reconciliation_makes_rollups_exact(start_worker):
    call_command(
        "generate_demo_data",
        contributions=40_000,
        synthetic_projects=PROJECTS,
        contributors=2_000,
        seed=11,
        no_stats=True,
        no_progress=True,
    )
    assert len(stats.stale_project_ids()) == PROJECTS
    # The rebuild writes every project in one transaction whose last lock is the global state
    # row: held here, it stops the rebuild with everything written and nothing committed.
    GlobalStatsState.objects.get_or_create(pk=1)
    blocker = connections.create_connection("default")
    blocker.set_autocommit(False)
    with blocker.cursor() as cursor:
        cursor.execute("SELECT id FROM contributions_globalstatsstate WHERE id = 1 FOR UPDATE")
    worker = start_worker()
    tasks.rebuild_stats.delay()

    def rebuild_waits() -> bool:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT COUNT(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                "AND query ILIKE %s",
                ["%contributions_globalstatsstate%"],
            )
            return cursor.fetchone()[0] > 0

    wait_for(rebuild_waits, timeout=120, what="the rebuild to reach its commit")
    worker.stop(signal.SIGKILL)
    assert not ProjectStatsSummary.objects.filter(ledger_version__gte=0).exists()
    assert len(stats.stale_project_ids()) == PROJECTS, "an interrupted rebuild leaves all stale"
    blocker.rollback()
    blocker.close()

    second = start_worker()
    tasks.reconcile_stats.delay()
    wait_for(
        _all_fresh,
        timeout=180,
        what="the reconciliation",
        explain=lambda: f"stale: {stats.stale_project_ids()}; worker: {second.output()[-3000:]}",
    )
    assert_rollups_exact()


def test_broker_down_while_approving_loses_no_approval(start_worker, private_servers):
    project = factories.ProjectFactory()
    moderator = factories.UserFactory()
    factories.MaintainershipFactory(project=project, user=moderator)
    authors = [factories.UserFactory() for _ in range(3)]
    entries = [
        services.contribution_submit(user=author, project=project, type=t, title="Work")
        for author in authors
        for t in ("code", "translation")
    ]
    services.contribution_approve(contribution=entries[0], moderator=moderator)
    stats.reconcile()
    assert ProjectStatsSummary.objects.get(project=project).contributions == 1

    try:
        private_servers.redis.stop()
        for entry in entries[1:]:
            answered = services.contribution_approve(contribution=entry, moderator=moderator)
            assert answered.status == "approved"
    finally:
        private_servers.redis.start()
    assert Contribution.objects.filter(project=project, status="approved").count() == len(entries)
    # The refresh jobs were lost with the broker: the numbers are stale, and known to be.
    assert ProjectStatsSummary.objects.get(project=project).contributions == 1
    assert stats.stale_project_ids() == [project.pk]

    start_worker()
    tasks.reconcile_stats.delay()
    wait_for(_all_fresh, timeout=120, what="the reconciliation")
    assert ProjectStatsSummary.objects.get(project=project).contributions == len(entries)
    assert_rollups_exact()


def test_an_approval_reaches_the_rollups_through_the_worker(start_worker):
    project = factories.ProjectFactory()
    moderator = factories.UserFactory()
    factories.MaintainershipFactory(project=project, user=moderator)
    entry = services.contribution_submit(
        user=factories.UserFactory(), project=project, type="evaluation", title="Eval run"
    )
    start_worker()
    services.contribution_approve(contribution=entry, moderator=moderator)
    wait_for(
        lambda: ProjectStatsSummary.objects.filter(project=project, contributions=1).exists(),
        timeout=60,
        what="the refresh job",
    )
    # The global refresh follows the project's (debounced on a real broker): wait for it too.
    wait_for(_all_fresh, timeout=90, what="the global refresh")
    assert_rollups_exact([project.pk])
