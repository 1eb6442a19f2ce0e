"""The oracle: every statistic the rollups hold, computed again from the raw ledger rows in
Python, with no GROUP BY at all, and the check that the stored rollups equal it.

Test code, not production code: the refresh (`contributions.stats`) aggregates in the database,
and the tests (and the load test's final check) compare what it wrote with this independent
computation. The two share only `summary_fields`, which shapes a summary from counts, so both
present their results identically.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

from django.utils import timezone

from contributions.choices import CODE_TYPES, TYPE_DOMAIN, ContributionSource, ContributionStatus
from contributions.models import (
    Contribution,
    GlobalMonthlyRollup,
    ProjectLedgerVersion,
    ProjectMonthlyRollup,
    ProjectStatsSummary,
    StatsBreakdown,
)
from contributions.stats import (
    CENT,
    UNSPECIFIED,
    artifact_domain,
    first_of_month,
    language_details,
    stale_project_ids,
    summary_fields,
)
from contributions.stats_reader import SUMMARY_FIELDS, ProjectStats
from projects.models import Project

Dimension = StatsBreakdown.Dimension
EMPTY = ProjectStats()


def assert_rollups_exact(project_ids: Iterable[int] | None = None) -> None:
    """Every project's stored rollups, and the global ones, equal the oracle's from-scratch
    computation over the ledger (the oracle walks rows in Python; the refresh uses GROUP BY)."""
    if project_ids is None:
        project_ids = set(Contribution.objects.values_list("project_id", flat=True))
        project_ids |= set(ProjectLedgerVersion.objects.values_list("project_id", flat=True))
    for project_id in sorted(project_ids):
        stored = project_rollups(project_id)
        expected = oracle_project(project_id)
        assert stored["summary"] == expected["summary"], f"project {project_id} summary"
        assert stored["cells"] == expected["cells"], f"project {project_id} cells"
    stored_global = global_rollups()
    expected_global = oracle_global()
    assert stored_global["breakdowns"] == expected_global["breakdowns"]
    assert stored_global["cells"] == expected_global["cells"]
    # Every project's summary records the ledger version it reflects: nothing is left for the
    # reconciliation (the global rollups may still await their max-age rebuild: their numbers,
    # compared above, are what counts).
    assert stale_project_ids() == []


# THE STORED ROLLUPS, in the oracle's shape
# ------------------------------------------------------------------------------
def project_rollups(project_id: int) -> dict[str, Any]:
    summary = ProjectStatsSummary.objects.filter(project_id=project_id).first()
    fields = {name: getattr(summary if summary else EMPTY, name) for name in SUMMARY_FIELDS}
    cells = {
        (c.month, c.type, c.phase, c.unit): (c.contributions, c.contributors, c.quantity)
        for c in ProjectMonthlyRollup.objects.filter(project_id=project_id)
    }
    return {"cells": cells, "summary": fields}


def global_rollups() -> dict[str, Any]:
    breakdowns = {
        (b.dimension, b.key): (
            b.contributions,
            b.contributors,
            b.projects,
            b.non_code_contributions,
            b.synthetic_contributions,
        )
        for b in StatsBreakdown.objects.all()
    }
    cells = {
        (c.month, c.type, c.phase, c.unit): (c.contributions, c.contributors, c.quantity)
        for c in GlobalMonthlyRollup.objects.all()
    }
    return {"breakdowns": breakdowns, "cells": cells}


# THE ORACLE: the same numbers from the raw rows, in Python, with no GROUP BY.
# ------------------------------------------------------------------------------
def _approved(project_id: int | None = None):
    qs = Contribution.objects.filter(status=ContributionStatus.APPROVED)
    return qs if project_id is None else qs.filter(project_id=project_id)


def _approved_rows(project_id: int | None = None) -> Iterable[dict[str, Any]]:
    return (
        _approved(project_id)
        .values(
            "id",
            "project_id",
            "contributor_id",
            "affiliation_id",
            "type",
            "phase",
            "compensation",
            "occurred_on",
            "created_at",
            "quantity",
            "unit",
            "source",
            "artifact__kind",
            "project__governance_model",
        )
        .order_by("id")
        .iterator(chunk_size=2000)
    )


def _row_day(row: Mapping[str, Any]) -> dt.date:
    if row["occurred_on"] is not None:
        return row["occurred_on"]
    return timezone.localtime(row["created_at"], dt.UTC).date()


def _add_cell(cells: dict, people: dict, row: Mapping[str, Any]) -> None:
    key = (
        first_of_month(_row_day(row)),
        row["type"],
        row["phase"],
        row["unit"] if row["quantity"] is not None else "",
    )
    n, q = cells.get(key, (0, None))
    if row["quantity"] is not None:
        q = (q or Decimal(0)) + row["quantity"]
    cells[key] = (n + 1, q)
    people[key].add(row["contributor_id"])


def _finish_cells(cells: dict, people: dict) -> dict:
    return {
        key: (n, len(people[key]), q.quantize(CENT) if q is not None else None)
        for key, (n, q) in cells.items()
    }


def oracle_project(project_id: int, *, today: dt.date | None = None) -> dict[str, Any]:
    today = today or timezone.localdate()
    cells: dict = {}
    people: dict = defaultdict(set)
    counts_by_contributor: Counter[int] = Counter()
    counts_by_type_contributor: dict[str, Counter[int]] = defaultdict(Counter)
    counts_by_affiliation: Counter[int | None] = Counter()
    first_days: dict[int, dt.date] = {}
    last_days: dict[int, dt.date] = {}
    by_type: Counter[str] = Counter()
    by_phase: Counter[str] = Counter()
    by_compensation: Counter[str] = Counter()
    by_artifact_domain: Counter[str] = Counter()
    quantities: dict[str, Decimal] = defaultdict(Decimal)
    synthetic = 0
    ids = []
    for row in _approved_rows(project_id):
        ids.append(row["id"])
        _add_cell(cells, people, row)
        who, day = row["contributor_id"], _row_day(row)
        counts_by_contributor[who] += 1
        counts_by_type_contributor[row["type"]][who] += 1
        counts_by_affiliation[row["affiliation_id"]] += 1
        first_days[who] = min(day, first_days.get(who, day))
        last_days[who] = max(day, last_days.get(who, day))
        by_type[row["type"]] += 1
        by_phase[row["phase"]] += 1
        by_compensation[row["compensation"]] += 1
        by_artifact_domain[artifact_domain(row["artifact__kind"])] += 1
        synthetic += row["source"] == ContributionSource.SYNTHETIC
        if row["quantity"] is not None:
            quantities[row["unit"]] += row["quantity"]
    language_sets: dict[int, set[str]] = defaultdict(set)
    for contribution_id, code in Contribution.languages.through.objects.filter(
        contribution_id__in=ids
    ).values_list("contribution_id", "language_id"):
        language_sets[contribution_id].add(code)
    info = language_details({code for codes in language_sets.values() for code in codes})
    languages: Counter[str] = Counter(c for codes in language_sets.values() for c in codes)
    summary = summary_fields(
        today=today,
        counts_by_contributor=counts_by_contributor,
        counts_by_type_contributor=counts_by_type_contributor,
        first_days=first_days,
        last_days=last_days,
        counts_by_affiliation=counts_by_affiliation,
        by_type=by_type,
        by_phase=by_phase,
        by_compensation=by_compensation,
        by_artifact_domain=by_artifact_domain,
        synthetic=synthetic,
        languages=languages,
        tagged=len(language_sets),
        underrepresented=sum(
            1 for codes in language_sets.values() if any(info[c][1] for c in codes)
        ),
        quantities=quantities,
        language_info=info,
    )
    return {"cells": _finish_cells(cells, people), "summary": summary}


def oracle_global() -> dict[str, Any]:
    continents: dict[int, set[str]] = defaultdict(set)
    for project_id, continent in Project.countries.through.objects.values_list(
        "project_id", "country__continent"
    ):
        continents[project_id].add(continent)
    groups: dict[tuple[str, str], dict[str, set]] = defaultdict(lambda: defaultdict(set))
    cells: dict = {}
    people: dict = defaultdict(set)
    for row in _approved_rows():
        _add_cell(cells, people, row)
        keys = [
            (Dimension.ALL, ""),
            (Dimension.GOVERNANCE_MODEL, row["project__governance_model"]),
            (Dimension.ARTIFACT_DOMAIN, artifact_domain(row["artifact__kind"])),
            (Dimension.DOMAIN, TYPE_DOMAIN[row["type"]]),
            (Dimension.PHASE, row["phase"]),
            (Dimension.TYPE, row["type"]),
            (Dimension.COMPENSATION, row["compensation"]),
            (Dimension.SOURCE, row["source"]),
        ]
        keys += [
            (Dimension.CONTINENT, c) for c in continents.get(row["project_id"]) or {UNSPECIFIED}
        ]
        for dimension, key in keys:
            group = groups[(str(dimension), str(key))]
            group["contributions"].add(row["id"])
            group["contributors"].add(row["contributor_id"])
            group["projects"].add(row["project_id"])
            if row["type"] not in CODE_TYPES:
                group["non_code"].add(row["id"])
            if row["source"] == ContributionSource.SYNTHETIC:
                group["synthetic"].add(row["id"])
    measures = ("contributions", "contributors", "projects", "non_code", "synthetic")
    breakdowns = {key: tuple(len(group[m]) for m in measures) for key, group in groups.items()}
    return {"breakdowns": breakdowns, "cells": _finish_cells(cells, people)}
