"""The full rebuild writes exactly the rows the per-project refresh and the global refresh write.

On PostgreSQL the rebuild is set-based (every project at once, in SQL); on SQLite it keeps the
per-project path, so there the comparison holds by construction and the test guards the rest
(the oracle's numbers, the versions, the deltas)."""

import datetime as dt
import random
from decimal import Decimal

import pytest
from django.db import connection
from django.utils import timezone

from contributions import stats
from contributions.choices import (
    Compensation,
    ContributionSource,
    ContributionType,
    LifecyclePhase,
)
from contributions.models import (
    GlobalMonthlyRollup,
    ProjectContributorRollup,
    ProjectLedgerVersion,
    ProjectMonthlyRollup,
    ProjectSourceRollup,
    ProjectStatsSummary,
    StatsBreakdown,
    StatsDelta,
)
from projects.choices import ArtifactKind, GovernanceModel
from tests import factories
from tests.contributions.oracles import assert_rollups_exact

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()


def _ledger(seed: int = 7) -> list:
    """Several projects with every field a rollup reads varied: countries on several continents
    (two in one), languages of every resource level, artifacts of several kinds, sources,
    quantities in several units, undated entries, affiliations, statuses, and a project with
    a ledger version but no approved work."""
    rng = random.Random(seed)
    countries = [
        factories.CountryFactory(code="PL", name="Poland", continent="EU", numeric="616"),
        factories.CountryFactory(code="DE", name="Germany", continent="EU", numeric="276"),
        factories.CountryFactory(code="KE", name="Kenya", continent="AF", numeric="404"),
        factories.CountryFactory(code="BR", name="Brazil", continent="SA", numeric="076"),
    ]
    languages = [
        factories.LanguageFactory(code="pol", name="Polish", resource_level="medium"),
        factories.LanguageFactory(code="swh", name="Swahili", resource_level="low"),
        factories.LanguageFactory(code="eng", name="English", resource_level="high"),
        factories.LanguageFactory(code="xyz", name="Unknown one", resource_level="unknown"),
    ]
    organisations = [factories.OrganisationFactory() for _ in range(3)]
    people = [factories.ContributorFactory() for _ in range(12)]
    governance = list(GovernanceModel.values)
    projects = []
    for index in range(6):
        project = factories.ProjectFactory(governance_model=governance[index % len(governance)])
        project.countries.set(countries[:index] if index < 4 else countries)
        projects.append(project)
    artifacts = {
        p.pk: [
            factories.ArtifactFactory(project=p, kind=kind)
            for kind in (ArtifactKind.MODEL, ArtifactKind.DATASET)
        ]
        for p in projects
    }
    units = ["items annotated", "hours", "pages"]
    for project in projects[:5]:
        for _ in range(rng.randint(15, 40)):
            quantity = None if rng.random() < 0.4 else Decimal(rng.randint(1, 9000)) / Decimal(100)
            source = rng.choice(
                [ContributionSource.WEB, ContributionSource.SYNTHETIC, ContributionSource.API]
            )
            status = rng.choice(["approved"] * 5 + ["pending", "rejected"])
            entry = factories.ContributionFactory(
                project=project,
                contributor=rng.choice(people),
                type=rng.choice(ContributionType.values),
                phase=rng.choice(LifecyclePhase.values),
                compensation=rng.choice(Compensation.values),
                source=source,
                status=status,
                occurred_on=(
                    None if rng.random() < 0.2 else TODAY - dt.timedelta(days=rng.randint(0, 400))
                ),
                quantity=quantity,
                unit=rng.choice(units) if quantity is not None else "",
                affiliation=rng.choice([None, *organisations]),
                artifact=rng.choice([None, *artifacts[project.pk]]),
            )
            entry.languages.set(rng.sample(languages, rng.randint(0, 2)))
    # A project whose work was all withdrawn: a ledger version, no approved row.
    factories.ContributionFactory(project=projects[5], status="pending")
    ProjectLedgerVersion.objects.get_or_create(project=projects[5])
    return projects


def _stored() -> dict:
    summary_fields = [
        f.name for f in ProjectStatsSummary._meta.concrete_fields if f.name not in ("computed_at",)
    ]
    return {
        "summaries": sorted(ProjectStatsSummary.objects.values_list(*summary_fields)),
        "cells": sorted(
            ProjectMonthlyRollup.objects.values_list(
                "project_id",
                "month",
                "type",
                "phase",
                "unit",
                "contributions",
                "contributors",
                "quantity",
            )
        ),
        "people": sorted(
            ProjectContributorRollup.objects.values_list(
                "project_id",
                "contributor_id",
                "type",
                "affiliation_id",
                "contributions",
                "first_day",
                "last_day",
            ),
            key=repr,
        ),
        "sources": sorted(
            ProjectSourceRollup.objects.values_list(
                "project_id",
                "source",
                "contributions",
                "contributors",
                "non_code_contributions",
                "commits",
                "lines_added",
                "lines_removed",
            )
        ),
        "breakdowns": sorted(
            StatsBreakdown.objects.values_list(
                "dimension",
                "key",
                "contributions",
                "contributors",
                "projects",
                "non_code_contributions",
                "synthetic_contributions",
            )
        ),
        "global_cells": sorted(
            GlobalMonthlyRollup.objects.values_list(
                "month", "type", "phase", "unit", "contributions", "contributors", "quantity"
            )
        ),
    }


def test_the_rebuild_writes_what_the_per_project_refresh_writes():
    projects = _ledger()
    result = stats.rebuild_all()
    assert result == {"projects": len(projects)}
    assert_rollups_exact()
    rebuilt = _stored()
    assert rebuilt["cells"] and rebuilt["people"] and rebuilt["sources"]
    assert {key for _, key, *_ in rebuilt["breakdowns"]} >= {"EU", "AF", "SA", "unspecified"}

    stats.invalidate_all()
    for project in projects:
        stats.refresh_project(project.pk)
    stats.refresh_global()
    refreshed = _stored()
    for table, rows in refreshed.items():
        assert rebuilt[table] == rows, table

    # Over rollups in place, some of them wrong, the rebuild rewrites exactly the wrong rows.
    cell = ProjectMonthlyRollup.objects.first()
    ProjectMonthlyRollup.objects.filter(pk=cell.pk).update(contributors=cell.contributors + 5)
    ProjectContributorRollup.objects.filter(pk=ProjectContributorRollup.objects.first().pk).delete()
    ProjectSourceRollup.objects.create(
        project=projects[5],
        source="import",
        contributions=3,
        contributors=1,
        non_code_contributions=0,
    )
    untouched = set(ProjectContributorRollup.objects.values_list("pk", flat=True))
    stats.rebuild_all()
    assert _stored() == refreshed
    if connection.vendor == "postgresql":  # SQLite's per-project refresh rewrites every row
        assert untouched <= set(ProjectContributorRollup.objects.values_list("pk", flat=True))


def test_the_rebuild_discards_the_deltas_it_covers_and_leaves_nothing_stale():
    projects = _ledger(seed=3)
    stats.reconcile()
    # Approvals whose jobs never ran: their deltas are in the ledger the rebuild reads.
    factories.ContributionFactory(project=projects[0], status="approved")
    assert StatsDelta.objects.filter(project=projects[0]).exists()
    stats.rebuild_all()
    assert not StatsDelta.objects.exists()
    assert_rollups_exact()
    assert stats.stale_project_ids() == []
    assert not stats.global_is_stale()
