"""The incremental delta (contributions.stats.apply_deltas): after the first build, every change a
service makes is folded into the rollups from the deltas its ledger versions recorded, never by a
recompute, and the result equals the full recompute (the oracle) for any sequence of actions:
create, approve, revoke, reject, edit, claim, hide, including concurrent approvals in one project.
"""

import datetime as dt
import threading

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connections, transaction
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from contributions import services, stats, tasks
from contributions.choices import CODE_TYPES, ContributionSource, LifecyclePhase
from contributions.models import (
    Contribution,
    ProjectContributorRollup,
    ProjectLedgerVersion,
    ProjectSourceRollup,
    ProjectStatsSummary,
    StatsDelta,
)
from core.exceptions import ServiceConflict
from tests import factories
from tests.contributions.oracles import assert_rollups_exact, oracle_project, project_rollups

TODAY = timezone.localdate()
TYPES = ["code", "data_annotation", "translation"]


@pytest.fixture
def eager():
    conf = tasks.refresh_project_stats.app.conf
    previous = conf.task_always_eager
    conf.task_always_eager = True
    yield
    conf.task_always_eager = previous


@pytest.fixture
def no_recompute(monkeypatch):
    """Fails the test when a project that already has rollups is recomputed instead of folded."""
    recompute = stats.refresh_project

    def refresh_project(project_id: int) -> bool:
        summary = ProjectStatsSummary.objects.filter(project_id=project_id).first()
        assert summary is None or summary.ledger_version < 0, "recomputed instead of folded"
        return recompute(project_id)

    monkeypatch.setattr(stats, "refresh_project", refresh_project)


def _assert_contributor_rollups_exact(project_id: int) -> None:
    """The compact table equals the ledger's GROUP BY (what the full refresh writes)."""
    stored = sorted(
        ProjectContributorRollup.objects.filter(project_id=project_id).values_list(
            "contributor_id", "type", "affiliation_id", "contributions", "first_day", "last_day"
        ),
        key=str,
    )
    assert stored == sorted(stats.compute_project(project_id)["contributors"], key=str)


def _assert_source_rollups_exact(project_id: int) -> None:
    """The work by source equals a walk over the approved entries (no GROUP BY)."""
    expected: dict[str, list] = {}
    for entry in Contribution.objects.filter(project_id=project_id, status="approved"):
        row = expected.setdefault(entry.source, [0, set(), 0, 0, 0, 0])
        row[0] += 1
        row[1].add(entry.contributor_id)
        row[2] += entry.type not in CODE_TYPES
        if entry.source == ContributionSource.REPOSITORY and entry.quantity is not None:
            row[3] += int(entry.quantity)
        row[4] += entry.lines_added or 0
        row[5] += entry.lines_removed or 0
    stored = {
        row.source: (
            row.contributions,
            row.contributors,
            row.non_code_contributions,
            row.commits,
            row.lines_added,
            row.lines_removed,
        )
        for row in ProjectSourceRollup.objects.filter(project_id=project_id)
    }
    assert stored == {
        source: (n, len(people), non_code, commits, added, removed)
        for source, (n, people, non_code, commits, added, removed) in expected.items()
    }


fields = st.fixed_dictionaries(
    {},
    optional={
        "type": st.sampled_from(TYPES),
        "phase": st.sampled_from(LifecyclePhase.values[:2]),
        "days_ago": st.sampled_from([0, 40, 400]),
        "quantity": st.one_of(st.none(), st.decimals(min_value=0, max_value=50, places=2)),
        "languages": st.sets(st.integers(min_value=0, max_value=1)),
    },
)
actions = st.one_of(
    st.tuples(st.just("create"), st.integers(0, 2), st.booleans(), fields),
    st.tuples(st.sampled_from(["approve", "reject", "revoke", "hide"]), st.integers(0)),
    st.tuples(st.just("edit"), st.integers(0), fields),
    st.tuples(st.just("claim"), st.integers(0, 1)),
)


def _content(values: dict, languages: list) -> dict:
    content = {k: v for k, v in values.items() if k in ("type", "phase")}
    if "days_ago" in values:
        content["occurred_on"] = TODAY - dt.timedelta(days=values["days_ago"])
    if "quantity" in values:
        content["quantity"] = values["quantity"]
        content["unit"] = "items" if values["quantity"] is not None else ""
    if "languages" in values:
        content["languages"] = [languages[i] for i in sorted(values["languages"])]
    return content


@pytest.mark.django_db
@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(steps=st.lists(actions, min_size=3, max_size=16))
def test_delta_equals_recompute_for_any_sequence(
    steps, eager, no_recompute, django_capture_on_commit_callbacks
):
    with transaction.atomic():
        project = factories.ProjectFactory()
        moderator = factories.UserFactory()
        factories.MaintainershipFactory(project=project, user=moderator)
        users = [factories.UserFactory() for _ in range(2)]
        orgs = [None, factories.OrganisationFactory()]
        languages = [
            factories.LanguageFactory(code="yor", name="Yoruba", resource_level="low"),
            factories.LanguageFactory(code="pol", name="Polish", resource_level="medium"),
        ]
        artifact = factories.ArtifactFactory(project=project)
        # Placeholders holding approved credit, one per user to claim it; a repository entry.
        placeholders = [
            factories.ContributorFactory(user=None, display_name=f"Ghost {i}", github=f"ghost{i}")
            for i in range(2)
        ]
        entries = [
            factories.ContributionFactory(
                project=project, contributor=placeholders[i], status="approved", type="code"
            )
            for i in range(2)
        ]
        entries.append(
            factories.ContributionFactory(
                project=project,
                contributor=factories.ContributorFactory(),
                status="approved",
                moderated_by=None,
                source=ContributionSource.REPOSITORY,
                verification="repository_history",
                artifact=artifact,
                occurred_on=None,
            )
        )
        stats.refresh_project(project.pk)  # the first build; everything after is folded
        for step in steps:
            action = step[0]
            entry = entries[step[1] % len(entries)] if action not in ("create", "claim") else None
            try:
                with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
                    if action == "create":
                        _, who, approve, values = step
                        person = services.contributor_for_user(user=users[who % 2])
                        person.affiliation = orgs[who % 2]
                        person.save()
                        content = {"type": "code", "title": "Work"} | _content(values, languages)
                        entry = services.contribution_submit(
                            user=users[who % 2], project=project, **content
                        )
                        entries.append(entry)
                        if approve:
                            services.contribution_approve(contribution=entry, moderator=moderator)
                    elif action == "edit":
                        services.contribution_update(
                            contribution=entry, user=moderator, **_content(step[2], languages)
                        )
                    elif action == "claim":
                        user = users[step[1]]
                        services.contributor_for_user(user=user)
                        services.contributor_claim_placeholder(
                            user=user, kind="github", value=f"ghost{step[1]}"
                        )
                    elif action == "hide":
                        services.contribution_hide(
                            contribution=entry, user=moderator, reason="not theirs"
                        )
                    else:
                        decide = getattr(services, f"contribution_{action}")
                        decide(contribution=entry, moderator=moderator, note="because")
            except (ValidationError, PermissionDenied, ServiceConflict):
                pass
        stats.refresh_global()  # the global rollups follow by their own (debounced) job
        assert_rollups_exact([project.pk])
        _assert_contributor_rollups_exact(project.pk)
        _assert_source_rollups_exact(project.pk)
        assert not StatsDelta.objects.filter(project=project).exists()
        transaction.set_rollback(True)


@pytest.mark.django_db
def test_a_bulk_statement_leaves_a_gap_and_the_job_recomputes(eager):
    project = factories.ProjectFactory()
    factories.ContributionFactory.create_batch(3, project=project, status="approved")
    stats.refresh_project(project.pk)
    version = ProjectLedgerVersion.objects.get(project=project).version
    assert stats.apply_deltas(project.pk)
    # A version with no delta (as a COPY or a bulk UPDATE over 1,000 rows leaves): no fold.
    ProjectLedgerVersion.objects.filter(project=project).update(version=version + 1)
    assert not stats.apply_deltas(project.pk)
    tasks.refresh_project_stats(project.pk)
    assert project_rollups(project.pk) == oracle_project(project.pk)
    assert ProjectStatsSummary.objects.get(project=project).ledger_version == version + 1


@pytest.mark.django_db
def test_a_recompute_discards_the_deltas_it_includes(eager):
    project = factories.ProjectFactory()
    entry = factories.ContributionFactory(project=project)
    stats.refresh_project(project.pk)
    entry.status = "approved"
    entry.moderated_by = factories.UserFactory()
    entry.moderated_at = timezone.now()
    entry.save()
    assert StatsDelta.objects.filter(project=project).count() == 1
    stats.refresh_project(project.pk)  # counts the approval itself
    assert not StatsDelta.objects.filter(project=project).exists()
    assert stats.apply_deltas(project.pk)  # nothing left to add twice
    assert project_rollups(project.pk) == oracle_project(project.pk)


APPROVERS = 6


@pytest.mark.django_db(transaction=True)
@pytest.mark.postgresql  # SQLite has one writer: nothing runs at once there
def test_concurrent_approvals_in_one_project_lose_no_update():
    """Approvals in one project commit at once from several threads (connections), each followed
    by its fold, also at once; no count is lost or added twice."""
    project = factories.ProjectFactory()
    moderator = factories.UserFactory()
    factories.MaintainershipFactory(project=project, user=moderator)
    factories.ContributionFactory.create_batch(4, project=project, status="approved")
    pending = [
        factories.ContributionFactory(
            project=project, type=TYPES[i % 3], occurred_on=TODAY - dt.timedelta(days=i)
        )
        for i in range(APPROVERS)
    ]
    stats.refresh_project(project.pk)
    barrier = threading.Barrier(APPROVERS)
    errors: list[BaseException] = []

    def approve_then_fold(entry: Contribution) -> None:
        try:
            barrier.wait()
            services.contribution_approve(contribution=entry, moderator=moderator)
            assert stats.apply_deltas(project.pk)
        except BaseException as exc:  # reported by the main thread
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=approve_then_fold, args=(e,)) for e in pending]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert stats.apply_deltas(project.pk)
    assert project_rollups(project.pk) == oracle_project(project.pk)
    _assert_contributor_rollups_exact(project.pk)
    _assert_source_rollups_exact(project.pk)
    summary = ProjectStatsSummary.objects.get(project=project)
    assert summary.contributions == 4 + APPROVERS
    assert summary.ledger_version == ProjectLedgerVersion.objects.get(project=project).version
