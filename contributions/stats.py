"""The aggregation, written once: CHAOSS health metrics as pure functions, the per-project refresh
and the global refresh the jobs run, the reconciliation that finds stale rollups, and the full
rebuild (set-based on PostgreSQL). This module computes and writes the rollups;
`contributions.stats_reader` is the one module that reads them (for the API, the pages, the
template tags and the snapshot).

The refresh aggregates in the database (GROUP BY). The tests compare what it writes with an
independent computation that walks the approved rows in Python with no GROUP BY at all (the
oracle, `tests/contributions/oracles.py`); the benchmark times `compute_project` /
`compute_global` (the refresh's own queries, without the writes) as "computing at request time".

Definitions (docs/domain.md, "Health metrics"), recorded where they needed a decision:
- A contribution's day is its date (`occurred_on`), or the day it was logged when it has none;
  its month is that day's month.
- Active in N days: an approved contribution dated within the last N days, today included.
- New contributors in a month: those whose first approved contribution to the project is dated
  in that month.
- Contributor Absence Factor: the fewest contributors whose approved contributions make up at least
  half of all approved contributions (by count), overall and per type.
- Elephant Factor: the same over organisations, using the affiliation recorded on each
  contribution (the contributor's affiliation at the time). Unaffiliated work belongs to no
  organisation, so the factor is computed over affiliated contributions and is empty without any;
  `affiliated_contributions` says how much of the total that is.
- Underrepresented-language share: of the approved contributions that name a language, the share
  naming at least one low-resource or unknown-resource language.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from collections import Counter, defaultdict
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping
from decimal import Decimal
from itertools import groupby
from operator import itemgetter
from typing import Any

from django.db import connection, transaction
from django.db.models import (
    Case,
    CharField,
    Count,
    DateField,
    Exists,
    F,
    Max,
    Min,
    OuterRef,
    Q,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce, TruncDate, TruncMonth
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from contributions.choices import (
    CODE_TYPES,
    TYPE_DOMAIN,
    ContributionSource,
    ContributionStatus,
)
from contributions.models import (
    Contribution,
    GlobalMonthlyRollup,
    GlobalStatsState,
    ProjectContributorRollup,
    ProjectLedgerVersion,
    ProjectMonthlyRollup,
    ProjectSourceRollup,
    ProjectStatsSummary,
    StatsBreakdown,
    StatsDelta,
)
from projects.choices import ARTIFACT_KIND_DOMAIN, UNDERREPRESENTED_LEVELS
from projects.models import Artifact, Language, Project

logger = logging.getLogger(__name__)

APPROVED = ContributionStatus.APPROVED
UNSPECIFIED = "unspecified"
CENT = Decimal("0.01")
# The global rollups are rebuilt at least this often even when no ledger version moved, so
# registry edits that change a breakdown (a project's governance model, countries) show up.
GLOBAL_MAX_AGE = dt.timedelta(hours=1)
Dimension = StatsBreakdown.Dimension


# CHAOSS METRICS: pure functions over counts, tested on hand-computed examples.
# ------------------------------------------------------------------------------
def absence_factor(counts: Iterable[int]) -> int:
    """The fewest holders whose counts reach at least half of the total (0 for no work)."""
    ordered = sorted((c for c in counts if c > 0), reverse=True)
    total = sum(ordered)
    running = 0
    for index, count in enumerate(ordered, start=1):
        running += count
        if 2 * running >= total:
            return index
    return 0


def elephant_factor(counts_by_organisation: Mapping[Any, int]) -> int | None:
    """The absence factor over organisations; None when no contribution is affiliated."""
    counts = [c for org, c in counts_by_organisation.items() if org is not None and c > 0]
    return absence_factor(counts) if counts else None


def active_contributors(last_days: Mapping[Any, dt.date], *, today: dt.date, days: int) -> int:
    """Contributors whose latest contribution is dated within the last `days` days."""
    since = today - dt.timedelta(days=days - 1)
    return sum(1 for day in last_days.values() if since <= day <= today)


def new_contributors_by_month(first_days: Mapping[Any, dt.date]) -> dict[str, int]:
    """{"YYYY-MM": contributors whose first contribution falls in that month}, months sorted."""
    counts = Counter(month_key(day) for day in first_days.values())
    return dict(sorted(counts.items()))


def month_key(day: dt.date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def first_of_month(day: dt.date) -> dt.date:
    return day.replace(day=1)


def _sorted_counts(counts: Mapping[str, int]) -> dict[str, int]:
    return {key: counts[key] for key in sorted(counts) if counts[key]}


def _decimal_text(value: Decimal) -> str:
    return str(Decimal(value).quantize(CENT))


def artifact_domain(kind: str | None) -> str:
    return str(ARTIFACT_KIND_DOMAIN.get(kind, UNSPECIFIED)) if kind else UNSPECIFIED


# SUMMARY ASSEMBLY: shared by the refresh and the tests' oracle, so both shape results identically.
# ------------------------------------------------------------------------------
def summary_fields(
    *,
    today: dt.date,
    counts_by_contributor: Mapping[int, int],
    counts_by_type_contributor: Mapping[str, Mapping[int, int]],
    first_days: Mapping[int, dt.date],
    last_days: Mapping[int, dt.date],
    counts_by_affiliation: Mapping[int | None, int],
    by_type: Mapping[str, int],
    by_phase: Mapping[str, int],
    by_compensation: Mapping[str, int],
    by_artifact_domain: Mapping[str, int],
    synthetic: int,
    languages: Mapping[str, int],
    tagged: int,
    underrepresented: int,
    quantities: Mapping[str, Decimal],
    language_info: Mapping[str, tuple[str, bool]],
) -> dict[str, Any]:
    total = sum(by_type.values())
    by_domain: Counter[str] = Counter()
    for type_, count in by_type.items():
        by_domain[str(TYPE_DOMAIN[type_])] += count
    affiliated = sum(c for org, c in counts_by_affiliation.items() if org is not None)
    return {
        "contributions": total,
        "contributors": len(counts_by_contributor),
        "non_code_contributions": sum(c for t, c in by_type.items() if t not in CODE_TYPES),
        "synthetic_contributions": synthetic,
        "active_30": active_contributors(last_days, today=today, days=30),
        "active_90": active_contributors(last_days, today=today, days=90),
        "absence_factor": absence_factor(counts_by_contributor.values()),
        "absence_factor_by_type": {
            type_: absence_factor(counts.values())
            for type_, counts in sorted(counts_by_type_contributor.items())
        },
        "elephant_factor": elephant_factor(counts_by_affiliation),
        "affiliated_contributions": affiliated,
        "organisations": sum(1 for org in counts_by_affiliation if org is not None),
        "language_tagged_contributions": tagged,
        "underrepresented_language_contributions": underrepresented,
        "by_type": _sorted_counts(by_type),
        "by_domain": _sorted_counts(by_domain),
        "by_phase": _sorted_counts(by_phase),
        "by_compensation": _sorted_counts(by_compensation),
        "by_artifact_domain": _sorted_counts(by_artifact_domain),
        "new_contributors_by_month": new_contributors_by_month(first_days),
        "languages": [
            {
                "code": code,
                "name": language_info[code][0],
                "contributions": count,
                "underrepresented": language_info[code][1],
            }
            for code, count in sorted(languages.items(), key=lambda item: (-item[1], item[0]))
        ],
        "quantities": {unit: _decimal_text(q) for unit, q in sorted(quantities.items())},
    }


def language_details(codes: Iterable[str]) -> dict[str, tuple[str, bool]]:
    return {
        lang.code: (lang.name, lang.resource_level in UNDERREPRESENTED_LEVELS)
        for lang in Language.objects.filter(code__in=list(codes))
    }


# THE REFRESH: aggregate in the database, write the rollups.
# ------------------------------------------------------------------------------
def _day_expression():
    return Coalesce("occurred_on", TruncDate("created_at"), output_field=DateField())


def _unit_expression():
    return Case(
        When(quantity__isnull=True, then=Value("")), default=F("unit"), output_field=CharField()
    )


def _approved(project_id: int | None = None):
    qs = Contribution.objects.filter(status=APPROVED)
    return qs if project_id is None else qs.filter(project_id=project_id)


def compute_project(project_id: int, *, today: dt.date | None = None) -> dict[str, Any]:
    """A project's cells and summary fields, aggregated by the database (no writes)."""
    today = today or timezone.localdate()
    day = _day_expression()
    cells = {
        (row["month"], row["type"], row["phase"], row["unit_key"]): (
            row["n"],
            row["people"],
            row["q"],
        )
        for row in _approved(project_id)
        .annotate(month=TruncMonth(day, output_field=DateField()), unit_key=_unit_expression())
        .values("month", "type", "phase", "unit_key")
        .annotate(n=Count("id"), people=Count("contributor", distinct=True), q=Sum("quantity"))
        .order_by()
    }
    contributor_rows = [
        (contributor_id, type_, affiliation_id, n, first, last)
        for contributor_id, type_, affiliation_id, n, first, last in _approved(project_id)
        .annotate(day=day)
        .values_list("contributor_id", "type", "affiliation_id")
        .annotate(n=Count("id"), first=Min("day"), last=Max("day"))
        .order_by()
    ]
    by_compensation: Counter[str] = Counter()
    by_artifact_domain: Counter[str] = Counter()
    synthetic = 0
    for compensation, kind, n, generated in (
        _approved(project_id)
        .values_list("compensation", "artifact__kind")
        .annotate(
            n=Count("id"), generated=Count("id", filter=Q(source=ContributionSource.SYNTHETIC))
        )
        .order_by()
    ):
        by_compensation[compensation] += n
        by_artifact_domain[artifact_domain(kind)] += n
        synthetic += generated
    links = Contribution.languages.through.objects.filter(
        contribution__project_id=project_id, contribution__status=APPROVED
    )
    languages = dict(
        links.values_list("language_id").annotate(n=Count("contribution_id")).order_by()
    )
    tagging = links.aggregate(
        tagged=Count("contribution_id", distinct=True),
        under=Count(
            "contribution_id",
            distinct=True,
            filter=Q(language__resource_level__in=UNDERREPRESENTED_LEVELS),
        ),
    )
    by_type: Counter[str] = Counter()
    by_phase: Counter[str] = Counter()
    quantities: dict[str, Decimal] = defaultdict(Decimal)
    for (_month, type_, phase, unit), (n, _people, q) in cells.items():
        by_type[type_] += n
        by_phase[phase] += n
        if q is not None:
            quantities[unit] += q
    summary = summary_fields(
        today=today,
        **contributor_inputs(contributor_rows),
        by_type=by_type,
        by_phase=by_phase,
        by_compensation=by_compensation,
        by_artifact_domain=by_artifact_domain,
        synthetic=synthetic,
        languages=languages,
        tagged=tagging["tagged"],
        underrepresented=tagging["under"],
        quantities=quantities,
        language_info=language_details(languages),
    )
    return {"cells": cells, "summary": summary, "contributors": contributor_rows}


def contributor_inputs(rows: Iterable[tuple]) -> dict[str, Any]:
    """`summary_fields`' per-contributor inputs from (contributor, type, affiliation, count,
    first day, last day) rows: the full refresh's GROUP BY or the compact contributor rollup."""
    counts_by_contributor: Counter[int] = Counter()
    counts_by_type_contributor: dict[str, Counter[int]] = defaultdict(Counter)
    counts_by_affiliation: Counter[int | None] = Counter()
    first_days: dict[int, dt.date] = {}
    last_days: dict[int, dt.date] = {}
    for contributor_id, type_, affiliation_id, n, first, last in rows:
        counts_by_contributor[contributor_id] += n
        counts_by_type_contributor[type_][contributor_id] += n
        counts_by_affiliation[affiliation_id] += n
        if contributor_id not in first_days or first < first_days[contributor_id]:
            first_days[contributor_id] = first
        if contributor_id not in last_days or last > last_days[contributor_id]:
            last_days[contributor_id] = last
    return {
        "counts_by_contributor": counts_by_contributor,
        "counts_by_type_contributor": counts_by_type_contributor,
        "first_days": first_days,
        "last_days": last_days,
        "counts_by_affiliation": counts_by_affiliation,
    }


def refresh_project(project_id: int) -> bool:
    """Recompute one project's rollups from the ledger; idempotent and safe to run concurrently.

    The ledger version and the aggregates are read in one snapshot (REPEATABLE READ on
    PostgreSQL), so the numbers written are exactly those of that version: the deltas after it are
    then folded on top, those up to it discarded. The writes serialize on the summary row (never a
    row the write path locks, so approvals do not wait for a recompute); a summary already at a
    newer version is left alone. Returns False when the project no longer exists.
    """
    if not Project.objects.filter(pk=project_id).exists():
        return False
    today = timezone.localdate()
    ProjectLedgerVersion.objects.get_or_create(project_id=project_id)
    snapshot = connection.vendor == "postgresql" and not connection.in_atomic_block
    with transaction.atomic():
        if snapshot:
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
        version = ProjectLedgerVersion.objects.values_list("version", flat=True).get(
            project_id=project_id
        )
        computed = compute_project(project_id, today=today)
        sources = compute_source_rollups(project_id)
    with transaction.atomic():
        summary, _ = ProjectStatsSummary.objects.select_for_update().get_or_create(
            project_id=project_id,
            defaults={"computed_at": timezone.now(), "computed_on": today},
        )
        if summary.ledger_version > version:
            return True
        _write_cells(project_id, computed["cells"])
        ProjectContributorRollup.objects.filter(project_id=project_id).delete()
        _write_contributor_rollups(project_id, computed["contributors"])
        _write_source_rollups(project_id, sources)
        for name, value in computed["summary"].items():
            setattr(summary, name, value)
        summary.ledger_version = version
        summary.computed_at = timezone.now()
        summary.computed_on = today
        summary.save()
        StatsDelta.objects.filter(project_id=project_id, version__lte=version).delete()
    apply_deltas(project_id)
    return True


def _write_contributor_rollups(project_id: int, rows: Iterable[tuple]) -> None:
    ProjectContributorRollup.objects.bulk_create(
        (
            ProjectContributorRollup(
                project_id=project_id,
                contributor_id=contributor_id,
                type=type_,
                affiliation_id=affiliation_id,
                contributions=n,
                first_day=first,
                last_day=last,
            )
            for contributor_id, type_, affiliation_id, n, first, last in rows
        ),
        batch_size=2000,
    )


def compute_source_rollups(project_id: int) -> list[ProjectSourceRollup]:
    """A project's approved work by source (`ProjectSourceRollup`), one GROUP BY. Written with
    the summary, at the same ledger version (`refresh_project`), and folded from the deltas after
    it (`_fold_sources`)."""
    repository = Q(source=ContributionSource.REPOSITORY)
    return [
        ProjectSourceRollup(
            project_id=project_id,
            source=row["source"],
            contributions=row["n"],
            contributors=row["people"],
            non_code_contributions=row["non_code"],
            commits=int(row["commits"] or 0),
            lines_added=row["added"] or 0,
            lines_removed=row["removed"] or 0,
        )
        for row in _approved(project_id)
        .values("source")
        .annotate(
            n=Count("id"),
            people=Count("contributor", distinct=True),
            non_code=Count("id", filter=~Q(type__in=CODE_TYPES)),
            commits=Sum("quantity", filter=repository),
            added=Sum("lines_added"),
            removed=Sum("lines_removed"),
        )
        .order_by()
    ]


def _write_source_rollups(project_id: int, rows: list[ProjectSourceRollup]) -> None:
    ProjectSourceRollup.objects.filter(project_id=project_id).delete()
    ProjectSourceRollup.objects.bulk_create(rows)


def _write_cells(project_id: int, cells: Mapping[tuple, tuple]) -> None:
    """Bring the project's cells to `cells`, touching only the ones that changed."""
    existing = {
        (cell.month, cell.type, cell.phase, cell.unit): cell
        for cell in ProjectMonthlyRollup.objects.filter(project_id=project_id)
    }
    to_create, to_update = [], []
    for key, (n, people, q) in cells.items():
        cell = existing.pop(key, None)
        if cell is None:
            month, type_, phase, unit = key
            to_create.append(
                ProjectMonthlyRollup(
                    project_id=project_id,
                    month=month,
                    type=type_,
                    phase=phase,
                    unit=unit,
                    contributions=n,
                    contributors=people,
                    quantity=q,
                )
            )
        elif (cell.contributions, cell.contributors, cell.quantity) != (n, people, q):
            cell.contributions, cell.contributors, cell.quantity = n, people, q
            to_update.append(cell)
    if existing:
        ProjectMonthlyRollup.objects.filter(pk__in=[c.pk for c in existing.values()]).delete()
    if to_update:
        ProjectMonthlyRollup.objects.bulk_update(
            to_update, ["contributions", "contributors", "quantity"], batch_size=1000
        )
    if to_create:
        ProjectMonthlyRollup.objects.bulk_create(to_create, batch_size=1000)


# THE DELTA: an approval felt at once
# ------------------------------------------------------------------------------
# The ledger-version triggers record, with each version of a project, the approved rows it
# removed (-1) and added (+1) as footprints (`StatsDelta`). Folding them moves exactly the counts
# an entry can move: its cells, the summary's counters and the contributor rollup rows of the
# people involved. What cannot move by a sum (distinct people in a cell, a contributor's first
# and last day) is read back for those people only, by the (contributor, status) index; the
# metrics over all contributors are recomputed from the compact contributor rollup.
def _footprint_day(footprint: Mapping[str, Any]) -> dt.date:
    if footprint["o"]:
        return dt.date.fromisoformat(footprint["o"][:10])
    created = parse_datetime(str(footprint["d"]))
    if timezone.is_naive(created):  # SQLite stores UTC without an offset
        created = timezone.make_aware(created, dt.UTC)
    return timezone.localtime(created).date()


def _footprint_quantity(footprint: Mapping[str, Any]) -> Decimal | None:
    value = footprint["q"]
    return None if value is None else Decimal(str(value)).quantize(CENT)


def _next_month(month: dt.date) -> dt.date:
    return (month.replace(day=28) + dt.timedelta(days=4)).replace(day=1)


def _lock_ledger_version(project_id: int) -> int | None:
    """The project's ledger version, locked until commit: no write to its approved rows commits
    meanwhile, so the ledger the fold reads back is the one its deltas end at."""
    return (
        ProjectLedgerVersion.objects.select_for_update(no_key=True)
        .filter(project_id=project_id)
        .values_list("version", flat=True)
        .first()
    )


def apply_deltas(project_id: int) -> bool:
    """Fold the project's recorded deltas into its rollups; False when they cannot bring it to
    its ledger version (no rollups yet, marked for a rebuild, or a version without a delta), and
    the caller recomputes instead. Idempotent: folded deltas are deleted in the same transaction.

    Concurrency: every write to a project's approved rows bumps its version row, so writers in
    one project already commit one after another, each with its own delta (an append-only log).
    The fold locks that row and the summary row: two folds serialize, and nothing is added twice
    or lost, however many approvals race."""
    today = timezone.localdate()
    with transaction.atomic():
        version = _lock_ledger_version(project_id)
        summary = (
            ProjectStatsSummary.objects.select_for_update().filter(project_id=project_id).first()
        )
        if version is None or summary is None or summary.ledger_version < 0:
            return False
        start = summary.ledger_version
        deltas = list(
            StatsDelta.objects.filter(project_id=project_id, version__gt=start)
            .order_by("version")
            .values_list("version", "changes")
        )
        if [v for v, _ in deltas] != list(range(start + 1, version + 1)):
            return False
        if deltas or summary.computed_on != today:
            changes = [change for _, batch in deltas for change in batch or ()]
            _fold(project_id, summary, changes, today=today)
            summary.ledger_version = version
            summary.computed_at = timezone.now()
            summary.computed_on = today
            summary.save()
        StatsDelta.objects.filter(project_id=project_id, version__lte=version).delete()
    return True


def _fold(project_id: int, summary: ProjectStatsSummary, changes: list, *, today: dt.date) -> None:
    artifacts = {fp["k"] for _, fp in changes if fp["k"] is not None}
    kinds = dict(Artifact.objects.filter(pk__in=artifacts).values_list("pk", "kind"))
    codes = {code for _, fp in changes for code in fp["l"]}
    levels = language_details(codes)
    by_type = Counter(summary.by_type)
    by_phase = Counter(summary.by_phase)
    by_compensation = Counter(summary.by_compensation)
    by_artifact_domain = Counter(summary.by_artifact_domain)
    languages = Counter({e["code"]: e["contributions"] for e in summary.languages})
    synthetic = summary.synthetic_contributions
    tagged = summary.language_tagged_contributions
    underrepresented = summary.underrepresented_language_contributions
    cells: dict[tuple, list] = defaultdict(lambda: [0, Decimal(0)])
    cell_people: Counter[tuple] = Counter()
    people: set[int] = set()
    for sign, fp in changes:
        quantity = _footprint_quantity(fp)
        key = (
            first_of_month(_footprint_day(fp)),
            fp["t"],
            fp["p"],
            "" if quantity is None else fp["u"],
        )
        cells[key][0] += sign
        if quantity is not None:
            cells[key][1] += sign * quantity
        cell_people[(key, fp["c"])] += sign
        people.add(fp["c"])
        by_type[fp["t"]] += sign
        by_phase[fp["p"]] += sign
        by_compensation[fp["m"]] += sign
        by_artifact_domain[artifact_domain(kinds.get(fp["k"]))] += sign
        synthetic += sign * (fp["s"] == ContributionSource.SYNTHETIC)
        languages.update({code: sign for code in fp["l"]})
        tagged += sign * bool(fp["l"])
        underrepresented += sign * any(levels[code][1] for code in fp["l"])
    _fold_cells(project_id, cells, cell_people)
    _fold_sources(project_id, changes)
    _rewrite_contributor_rollups(project_id, people)
    quantities: dict[str, Decimal] = dict(
        ProjectMonthlyRollup.objects.filter(project_id=project_id)
        .exclude(unit="")
        .values_list("unit")
        .annotate(q=Sum("quantity"))
        .order_by()
    )
    languages = +languages
    fields = summary_fields(
        today=today,
        **contributor_inputs(()),
        by_type=+by_type,
        by_phase=+by_phase,
        by_compensation=+by_compensation,
        by_artifact_domain=+by_artifact_domain,
        synthetic=synthetic,
        languages=languages,
        tagged=tagged,
        underrepresented=underrepresented,
        quantities=quantities,
        language_info=language_details(languages),
    )
    moved_types = {fp["t"] for _, fp in changes}
    fields.update(contributor_fields(project_id, today=today, types=moved_types))
    by_type = {
        type_: factor
        for type_, factor in summary.absence_factor_by_type.items()
        if type_ not in moved_types
    }
    by_type.update(fields["absence_factor_by_type"])
    fields["absence_factor_by_type"] = {type_: by_type[type_] for type_ in sorted(by_type)}
    for name, value in fields.items():
        setattr(summary, name, value)


def contributor_fields(
    project_id: int, *, today: dt.date, types: Collection[str] | None = None
) -> dict[str, Any]:
    """The summary fields over all of a project's contributors (`summary_fields` computes the
    same from raw counts), aggregated by the database from the compact contributor rollup, so an
    approval's cost does not grow with the project's contributors either. The absence factor is
    the rank at which the running sum of counts, largest first, reaches half of the total.
    `types` limits the absence factors by type to those types (the ones a fold moved; the others
    cannot have changed): a type absent from the result has no approved work left."""
    since_30 = (today - dt.timedelta(days=29)).isoformat()
    since_90 = (today - dt.timedelta(days=89)).isoformat()
    with connection.cursor() as cursor:
        # One pass over the people: a row per month of first contributions (the new
        # contributors), each with its people active in 30 and 90 days, and the absence factor.
        cursor.execute(
            """
            WITH people AS (
                SELECT contributor_id, SUM(contributions) AS n, MIN(first_day) AS first_day,
                       MAX(last_day) AS last_day
                FROM contributions_projectcontributorrollup WHERE project_id = %s
                GROUP BY contributor_id),
            ranked AS (
                SELECT ROW_NUMBER() OVER (ORDER BY n DESC) AS rank,
                       SUM(n) OVER (ORDER BY n DESC ROWS UNBOUNDED PRECEDING) AS running,
                       SUM(n) OVER () AS total
                FROM people)
            SELECT SUBSTR(CAST(first_day AS TEXT), 1, 7) AS month, COUNT(*),
                   SUM(CASE WHEN last_day BETWEEN %s AND %s THEN 1 ELSE 0 END),
                   SUM(CASE WHEN last_day BETWEEN %s AND %s THEN 1 ELSE 0 END),
                   (SELECT MIN(rank) FROM ranked WHERE 2 * running >= total)
            FROM people GROUP BY month ORDER BY month
            """,
            [project_id, since_30, today.isoformat(), since_90, today.isoformat()],
        )
        months = cursor.fetchall()
        new_by_month = {month: n for month, n, *_ in months}
        contributors = sum(n for _, n, *_ in months)
        active_30 = sum(int(active) for _, _, active, _, _ in months)
        active_90 = sum(int(active) for _, _, _, active, _ in months)
        absence = months[0][4] if months else None
        by_type: dict[str, int] = {}
        if types is None or types:
            # Only placeholders are joined into the text; the types go as parameters.
            only_types = "" if types is None else f"AND type IN ({', '.join(['%s'] * len(types))})"
            cursor.execute(
                f"""
                WITH typed AS (
                    SELECT type, contributor_id, SUM(contributions) AS n
                    FROM contributions_projectcontributorrollup
                    WHERE project_id = %s {only_types} GROUP BY type, contributor_id),
                ranked AS (
                    SELECT type, ROW_NUMBER() OVER (PARTITION BY type ORDER BY n DESC) AS rank,
                           SUM(n) OVER (PARTITION BY type ORDER BY n DESC
                                        ROWS UNBOUNDED PRECEDING) AS running,
                           SUM(n) OVER (PARTITION BY type) AS total
                    FROM typed)
                SELECT type, MIN(rank) FROM ranked WHERE 2 * running >= total GROUP BY type
                """,  # noqa: S608
                [project_id, *sorted(types or ())],
            )
            by_type = dict(cursor.fetchall())
        cursor.execute(
            "SELECT affiliation_id, SUM(contributions) FROM contributions_projectcontributorrollup "
            "WHERE project_id = %s GROUP BY affiliation_id",
            [project_id],
        )
        by_affiliation = {org: int(n) for org, n in cursor.fetchall()}
    return {
        "contributors": contributors,
        "active_30": active_30,
        "active_90": active_90,
        "absence_factor": absence or 0,
        "absence_factor_by_type": {type_: by_type[type_] for type_ in sorted(by_type)},
        "elephant_factor": elephant_factor(by_affiliation),
        "affiliated_contributions": sum(n for org, n in by_affiliation.items() if org is not None),
        "organisations": sum(1 for org in by_affiliation if org is not None),
        "new_contributors_by_month": new_by_month,
    }


def _cell_entries(project_id: int, contributor_id: int, key: tuple) -> int:
    """A contributor's approved entries in one cell (read by the contributor's index)."""
    month, type_, phase, unit = key
    entries = (
        _approved(project_id)
        .filter(contributor_id=contributor_id, type=type_, phase=phase)
        .annotate(day=_day_expression())
        .filter(day__gte=month, day__lt=_next_month(month))
    )
    if unit:
        entries = entries.filter(quantity__isnull=False, unit=unit)
    else:
        entries = entries.filter(quantity__isnull=True)
    return entries.count()


def _fold_cells(project_id: int, cells: Mapping[tuple, list], cell_people: Counter) -> None:
    people_change: Counter[tuple] = Counter()
    for (key, contributor_id), net in cell_people.items():
        if net:
            after = _cell_entries(project_id, contributor_id, key)
            people_change[key] += (after > 0) - (after - net > 0)
    months = {key[0] for key in cells}
    existing = {
        (cell.month, cell.type, cell.phase, cell.unit): cell
        for cell in ProjectMonthlyRollup.objects.filter(
            project_id=project_id, month__in=months, type__in={key[1] for key in cells}
        )
    }
    for key, (n, quantity) in cells.items():
        cell = existing.get(key)
        if cell is None:
            if n:
                month, type_, phase, unit = key
                ProjectMonthlyRollup.objects.create(
                    project_id=project_id,
                    month=month,
                    type=type_,
                    phase=phase,
                    unit=unit,
                    contributions=n,
                    contributors=people_change[key],
                    quantity=quantity if unit else None,
                )
        elif cell.contributions + n == 0:
            cell.delete()
        elif n or quantity or people_change[key]:
            cell.contributions += n
            cell.contributors += people_change[key]
            if key[3]:
                cell.quantity += quantity
            cell.save(update_fields=["contributions", "contributors", "quantity"])


def _fold_sources(project_id: int, changes: list) -> None:
    """Move the project's work by source as `_fold_cells` moves its cells. Line counts are
    repository work's alone and not in the footprints: a change to repository work recomputes the
    project's sources instead (at the locked version, so still exact)."""
    if any(fp["s"] == ContributionSource.REPOSITORY for _, fp in changes):
        _write_source_rollups(project_id, compute_source_rollups(project_id))
        return
    moved: dict[str, list[int]] = defaultdict(lambda: [0, 0])  # entries, non-code entries
    source_people: Counter[tuple[str, int]] = Counter()
    for sign, fp in changes:
        moved[fp["s"]][0] += sign
        moved[fp["s"]][1] += sign * (fp["t"] not in CODE_TYPES)
        source_people[(fp["s"], fp["c"])] += sign
    people_change: Counter[str] = Counter()
    for (source, contributor_id), net in source_people.items():
        if net:
            entries = _approved(project_id).filter(contributor_id=contributor_id, source=source)
            after = entries.count()
            people_change[source] += (after > 0) - (after - net > 0)
    existing = {
        row.source: row
        for row in ProjectSourceRollup.objects.filter(project_id=project_id, source__in=moved)
    }
    for source, (n, non_code) in moved.items():
        row = existing.get(source)
        if row is None:
            if n:
                ProjectSourceRollup.objects.create(
                    project_id=project_id,
                    source=source,
                    contributions=n,
                    contributors=people_change[source],
                    non_code_contributions=non_code,
                )
        elif row.contributions + n == 0:
            row.delete()
        elif n or non_code or people_change[source]:
            row.contributions += n
            row.contributors += people_change[source]
            row.non_code_contributions += non_code
            row.save(update_fields=["contributions", "contributors", "non_code_contributions"])


def _rewrite_contributor_rollups(project_id: int, people: set[int]) -> None:
    """Rewrite the contributor rollup rows of `people` in this project from their own entries."""
    ProjectContributorRollup.objects.filter(
        project_id=project_id, contributor_id__in=people
    ).delete()
    _write_contributor_rollups(
        project_id,
        _approved(project_id)
        .filter(contributor_id__in=people)
        .annotate(day=_day_expression())
        .values_list("contributor_id", "type", "affiliation_id")
        .annotate(n=Count("id"), first=Min("day"), last=Max("day"))
        .order_by(),
    )


# GLOBAL ROLLUPS
# ------------------------------------------------------------------------------
def _dimension_expressions() -> dict[str, Any]:
    domain = Case(
        *[When(type=t, then=Value(str(d))) for t, d in TYPE_DOMAIN.items()],
        output_field=CharField(),
    )
    artifact_domain = Case(
        *[When(artifact__kind=k, then=Value(str(d))) for k, d in ARTIFACT_KIND_DOMAIN.items()],
        default=Value(UNSPECIFIED),
        output_field=CharField(),
    )
    return {
        Dimension.GOVERNANCE_MODEL: F("project__governance_model"),
        Dimension.CONTINENT: F("project__countries__continent"),
        Dimension.ARTIFACT_DOMAIN: artifact_domain,
        Dimension.DOMAIN: domain,
        Dimension.PHASE: F("phase"),
        Dimension.TYPE: F("type"),
        Dimension.COMPENSATION: F("compensation"),
        Dimension.SOURCE: F("source"),
    }


def global_fingerprint() -> str:
    """Changes whenever any project's ledger version or the registry's shape changes."""
    versions = ProjectLedgerVersion.objects.aggregate(total=Sum("version"), rows=Count("pk"))
    projects = Project.objects.aggregate(count=Count("pk"), updated=Max("updated_at"))
    updated = projects["updated"].isoformat() if projects["updated"] else ""
    return f"{versions['total'] or 0}:{versions['rows']}:{projects['count']}:{updated}"


def compute_global() -> dict[str, Any]:
    """Breakdowns and the global monthly cells, aggregated by the database (no writes)."""
    # Continents join through a project's countries, which can repeat a row: count distinct ids.
    measures = {
        "contributions": Count("id", distinct=True),
        "contributors": Count("contributor", distinct=True),
        "projects": Count("project", distinct=True),
        "non_code": Count("id", distinct=True, filter=~Q(type__in=CODE_TYPES)),
        "synthetic": Count("id", distinct=True, filter=Q(source=ContributionSource.SYNTHETIC)),
    }
    breakdowns: dict[tuple[str, str], tuple[int, ...]] = {}
    totals = _approved().aggregate(**measures)
    if totals["contributions"]:
        breakdowns[(Dimension.ALL, "")] = tuple(totals[m] for m in measures)
    for dimension, expression in _dimension_expressions().items():
        rows = _approved().annotate(key=expression).values("key").annotate(**measures).order_by()
        for row in rows:
            key = str(row["key"] or UNSPECIFIED)
            breakdowns[(str(dimension), key)] = tuple(row[m] for m in measures)
    cells = {
        (row["month"], row["type"], row["phase"], row["unit_key"]): (
            row["n"],
            row["people"],
            row["q"],
        )
        for row in _approved()
        .annotate(
            month=TruncMonth(_day_expression(), output_field=DateField()),
            unit_key=_unit_expression(),
        )
        .values("month", "type", "phase", "unit_key")
        .annotate(n=Count("id"), people=Count("contributor", distinct=True), q=Sum("quantity"))
        .order_by()
    }
    return {"breakdowns": breakdowns, "cells": cells}


def refresh_global() -> None:
    """Recompute the global rollups. The fingerprint is read first (see `refresh_project`)."""
    fingerprint = global_fingerprint()
    computed = compute_global()
    with transaction.atomic():
        state, _ = GlobalStatsState.objects.select_for_update().get_or_create(pk=1)
        StatsBreakdown.objects.all().delete()
        StatsBreakdown.objects.bulk_create(
            [
                StatsBreakdown(
                    dimension=dimension,
                    key=key,
                    contributions=n,
                    contributors=people,
                    projects=projects,
                    non_code_contributions=non_code,
                    synthetic_contributions=synthetic,
                )
                for (dimension, key), (n, people, projects, non_code, synthetic) in computed[
                    "breakdowns"
                ].items()
            ],
            batch_size=1000,
        )
        GlobalMonthlyRollup.objects.all().delete()
        GlobalMonthlyRollup.objects.bulk_create(
            [
                GlobalMonthlyRollup(
                    month=month,
                    type=type_,
                    phase=phase,
                    unit=unit,
                    contributions=n,
                    contributors=people,
                    quantity=q,
                )
                for (month, type_, phase, unit), (n, people, q) in computed["cells"].items()
            ],
            batch_size=1000,
        )
        state.fingerprint = fingerprint
        state.computed_at = timezone.now()
        state.save()


# RECONCILIATION AND THE FULL REBUILD
# ------------------------------------------------------------------------------
def stale_project_ids(*, limit: int | None = None) -> list[int]:
    """Projects whose summary is missing, behind their ledger version, or from an earlier day
    (the 30/90-day windows moved). One indexed anti-join, whatever the ledger's size."""
    fresh = ProjectStatsSummary.objects.filter(
        project_id=OuterRef("project_id"),
        ledger_version=OuterRef("version"),
        computed_on__gte=timezone.localdate(),
    )
    qs = (
        ProjectLedgerVersion.objects.exclude(Exists(fresh))
        .order_by("project_id")
        .values_list("project_id", flat=True)
    )
    return list(qs[:limit] if limit else qs)


def global_is_stale() -> bool:
    state = GlobalStatsState.objects.filter(pk=1).first()
    if state is None or state.computed_at is None:
        return True
    if timezone.now() - state.computed_at > GLOBAL_MAX_AGE:
        return True
    return state.fingerprint != global_fingerprint()


def reconcile(*, limit: int | None = None) -> dict[str, Any]:
    """Bring every stale project (up to `limit`) to its ledger version, by its deltas when they
    reach it and by a recompute otherwise, and the global rollups when stale."""
    refreshed = 0
    for project_id in stale_project_ids(limit=limit):
        if not apply_deltas(project_id):
            refresh_project(project_id)
        refreshed += 1
    global_refreshed = global_is_stale()
    if global_refreshed:
        refresh_global()
    return {"projects": refreshed, "global": global_refreshed}


def invalidate_all() -> int:
    """Mark every project's rollups for a rebuild (committed at once, so a rebuild interrupted
    half-way leaves the rest stale for the reconciliation, never falsely fresh)."""
    with transaction.atomic():
        known = set(ProjectLedgerVersion.objects.values_list("project_id", flat=True))
        ProjectLedgerVersion.objects.bulk_create(
            [
                ProjectLedgerVersion(project_id=project_id)
                for project_id in project_ids_with_contributions()
                if project_id not in known
            ],
            ignore_conflicts=True,
        )
        return ProjectStatsSummary.objects.update(ledger_version=-1)


def project_ids_with_contributions() -> list[int]:
    """One index probe per project (a DISTINCT over the ledger read all of it: 0.9 s at 1M)."""
    return list(
        Project.objects.filter(Exists(Contribution.objects.filter(project_id=OuterRef("pk"))))
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def rebuild_all(*, progress: Callable[[int], None] | None = None) -> dict[str, int]:
    """The full rebuild: every project's rollups and the global ones, from the ledger.

    On PostgreSQL it is set-based (`_rebuild_set_based`): all projects at once, one snapshot.
    SQLite (development, the test suite) keeps the per-project path: `refresh_project` for each
    project, then `refresh_global`; the tests check both write the same rows.

    Guarantees, either way: every project is first marked for a rebuild in a transaction of its
    own (`invalidate_all`), so an interrupted rebuild leaves projects stale for the
    reconciliation, never falsely fresh; each project's numbers are those of the ledger version
    read in the same snapshot as its aggregates (REPEATABLE READ on PostgreSQL); the deltas up to
    that version are discarded and the later ones folded on top. Memory holds one project's
    contributor rows at a time, never the ledger. `progress(n)` is told of projects written.
    """
    invalidate_all()
    if connection.vendor == "postgresql":
        return _rebuild_set_based(progress=progress)
    project_ids = list(ProjectLedgerVersion.objects.order_by("pk").values_list("pk", flat=True))
    for project_id in project_ids:
        refresh_project(project_id)
        if progress:
            progress(1)
    refresh_global()
    return {"projects": len(project_ids)}


# The set-based rebuild (PostgreSQL). Phase one, in one REPEATABLE READ transaction: the ledger
# versions, the global fingerprint and every aggregate are read in one snapshot into temporary
# tables (written only by this session, so no concurrent write can make it fail); the approved
# rows are scanned once into a narrow copy at the finest grain and every rollup is a hash
# GROUP BY over that copy or over a rollup made from it. Phase two, in one READ COMMITTED
# transaction, brings the rollups of every project whose summary is not already at a newer
# version (a concurrent `refresh_project` may have got there first: its numbers stay) to the
# computed rows, rewriting only the rows that differ, with the summary rows locked as
# `refresh_project` locks them; the summaries are computed in Python from the contributor rollup
# streamed by project. One commit: a rebuild killed before it leaves every project stale. After
# it, the projects whose ledger moved past the snapshot fold their later deltas (or are
# refreshed), as `refresh_project` does.
# Enough memory for every hash aggregate over 1M approved rows to run in one batch (EXPLAIN
# ANALYZE: "Batches: 1"), set for the rebuild's transaction only.
REBUILD_WORK_MEM = "256MB"
REBUILD_TABLES = (
    "stats_rebuild_versions",
    "stats_rebuild_ledger",
    "stats_rebuild_people",
    "stats_rebuild_cell_people",
    "stats_rebuild_cells",
    "stats_rebuild_global_cells",
    "stats_rebuild_source_people",
    "stats_rebuild_sources",
    "stats_rebuild_facets",
    "stats_rebuild_breakdown_people",
    "stats_rebuild_breakdowns",
    "stats_rebuild_languages",
    "stats_rebuild_tagging",
    "stats_rebuild_write",
    "stats_rebuild_diff",
)


def _rebuild_compute_sql() -> list[str]:
    """Phase one's statements (parameters by name, see `_rebuild_params`)."""
    return [
        """CREATE TEMP TABLE stats_rebuild_versions AS
            SELECT project_id, version FROM contributions_projectledgerversion""",
        # The one scan of the ledger: the approved rows, narrowed to what the rollups read.
        """CREATE TEMP TABLE stats_rebuild_ledger AS
            SELECT c.project_id, c.contributor_id, c.affiliation_id, c.type, c.phase,
                   c.compensation, c.source, c.quantity, c.lines_added, c.lines_removed,
                   COALESCE(c.occurred_on, (c.created_at AT TIME ZONE %(tz)s)::date) AS day,
                   CASE WHEN c.quantity IS NULL THEN '' ELSE c.unit END AS unit,
                   COALESCE(%(artifact_domain)s::jsonb ->> a.kind, %(unspecified)s)
                       AS artifact_domain
            FROM contributions_contribution c LEFT JOIN projects_artifact a ON a.id = c.artifact_id
            WHERE c.status = %(approved)s""",
        # The compact contributor rollup, as written.
        """CREATE TEMP TABLE stats_rebuild_people AS
           SELECT project_id, contributor_id, type, affiliation_id, COUNT(*) AS contributions,
                  MIN(day) AS first_day, MAX(day) AS last_day
           FROM stats_rebuild_ledger GROUP BY project_id, contributor_id, type, affiliation_id""",
        # Cells at the contributor's grain: distinct people become a count of rows.
        """CREATE TEMP TABLE stats_rebuild_cell_people AS
           SELECT project_id, DATE_TRUNC('month', day)::date AS month, type, phase, unit,
                  contributor_id, COUNT(*) AS contributions, SUM(quantity) AS quantity
           FROM stats_rebuild_ledger
           GROUP BY project_id, DATE_TRUNC('month', day)::date, type, phase, unit,
                    contributor_id""",
        """CREATE TEMP TABLE stats_rebuild_cells AS
           SELECT project_id, month, type, phase, unit, SUM(contributions) AS contributions,
                  COUNT(*) AS contributors, SUM(quantity) AS quantity
           FROM stats_rebuild_cell_people GROUP BY project_id, month, type, phase, unit""",
        """CREATE TEMP TABLE stats_rebuild_global_cells AS
           SELECT month, type, phase, unit, SUM(contributions) AS contributions,
                  COUNT(*) AS contributors, SUM(quantity) AS quantity
           FROM (SELECT month, type, phase, unit, contributor_id,
                        SUM(contributions) AS contributions, SUM(quantity) AS quantity
                 FROM stats_rebuild_cell_people
                 GROUP BY month, type, phase, unit, contributor_id) AS people
           GROUP BY month, type, phase, unit""",
        """CREATE TEMP TABLE stats_rebuild_source_people AS
            SELECT project_id, source, contributor_id, COUNT(*) AS contributions,
                   COUNT(*) FILTER (WHERE NOT (type = ANY(%(code_types)s))) AS non_code,
                   SUM(quantity) FILTER (WHERE source = %(repository)s) AS commits,
                   SUM(lines_added) AS lines_added, SUM(lines_removed) AS lines_removed
            FROM stats_rebuild_ledger GROUP BY project_id, source, contributor_id""",
        # int() of the decimal sum, as `compute_source_rollups` writes it: truncated.
        """CREATE TEMP TABLE stats_rebuild_sources AS
           SELECT project_id, source, SUM(contributions) AS contributions,
                  COUNT(*) AS contributors, SUM(non_code) AS non_code,
                  TRUNC(COALESCE(SUM(commits), 0))::bigint AS commits,
                  COALESCE(SUM(lines_added), 0) AS lines_added,
                  COALESCE(SUM(lines_removed), 0) AS lines_removed
           FROM stats_rebuild_source_people GROUP BY project_id, source""",
        # Counts by every row-level dimension a breakdown or a summary names (small).
        """CREATE TEMP TABLE stats_rebuild_facets AS
            SELECT project_id, type,
                   COALESCE(%(type_domain)s::jsonb ->> type, %(unspecified)s) AS domain,
                   phase, compensation, artifact_domain,
                   source, COUNT(*) AS contributions,
                   COUNT(*) FILTER (WHERE source = %(synthetic)s) AS synthetic
            FROM stats_rebuild_ledger
            GROUP BY project_id, type, phase, compensation, artifact_domain, source""",
        # Distinct contributors by dimension value, each from the smallest table holding both.
        # Keys as stored: "unspecified" for an unset one, "" for the totals' row.
        # Each branch groups its (key, contributor) pairs by hash from the smallest table
        # holding both, keys already as stored; the totals' row counts the people of any pair.
        """CREATE TEMP TABLE stats_rebuild_breakdown_people AS
            WITH pairs AS (
                SELECT %(governance_model)s AS dimension,
                       COALESCE(NULLIF(p.governance_model, ''), %(unspecified)s) AS key,
                       s.contributor_id
                FROM stats_rebuild_source_people s JOIN projects_project p ON p.id = s.project_id
                GROUP BY 2, 3
                UNION ALL
                SELECT %(continent)s, COALESCE(NULLIF(co.continent, ''), %(unspecified)s),
                       s.contributor_id
                FROM stats_rebuild_source_people s
                LEFT JOIN projects_project_countries pc ON pc.project_id = s.project_id
                LEFT JOIN projects_country co ON co.code = pc.country_id
                GROUP BY 2, 3
                UNION ALL
                SELECT %(type)s, type, contributor_id FROM stats_rebuild_people GROUP BY 2, 3
                UNION ALL
                SELECT %(domain)s, COALESCE(%(type_domain)s::jsonb ->> type, %(unspecified)s),
                       contributor_id
                FROM stats_rebuild_people GROUP BY 2, 3
                UNION ALL
                SELECT %(source)s, source, contributor_id FROM stats_rebuild_source_people
                GROUP BY 2, 3
                UNION ALL
                SELECT CASE WHEN GROUPING(phase) = 0 THEN %(phase)s
                            WHEN GROUPING(compensation) = 0 THEN %(compensation)s
                            ELSE %(artifact_domain_dimension)s END,
                       COALESCE(phase, compensation, artifact_domain), contributor_id
                FROM stats_rebuild_ledger
                GROUP BY GROUPING SETS ((phase, contributor_id), (compensation, contributor_id),
                                        (artifact_domain, contributor_id)))
            SELECT dimension, key, COUNT(*) AS contributors FROM pairs GROUP BY dimension, key
            UNION ALL
            SELECT %(all)s, '', COUNT(DISTINCT contributor_id) FROM stats_rebuild_source_people""",
        # The breakdowns' counts from the facets. The continent is reached through a project's
        # countries: each contribution counts once per continent its project is in, the other
        # dimensions once.
        """CREATE TEMP TABLE stats_rebuild_breakdowns AS
            WITH counts AS (
                SELECT CASE WHEN GROUPING(p.governance_model) = 0 THEN %(governance_model)s
                            WHEN GROUPING(f.type) = 0 THEN %(type)s
                            WHEN GROUPING(f.domain) = 0 THEN %(domain)s
                            WHEN GROUPING(f.phase) = 0 THEN %(phase)s
                            WHEN GROUPING(f.compensation) = 0 THEN %(compensation)s
                            WHEN GROUPING(f.artifact_domain) = 0
                                THEN %(artifact_domain_dimension)s
                            WHEN GROUPING(f.source) = 0 THEN %(source)s
                            ELSE %(all)s END AS dimension,
                       CASE WHEN GROUPING(p.governance_model) = 0 THEN p.governance_model
                            WHEN GROUPING(f.type) = 0 THEN f.type
                            WHEN GROUPING(f.domain) = 0 THEN f.domain
                            WHEN GROUPING(f.phase) = 0 THEN f.phase
                            WHEN GROUPING(f.compensation) = 0 THEN f.compensation
                            WHEN GROUPING(f.artifact_domain) = 0 THEN f.artifact_domain
                            WHEN GROUPING(f.source) = 0 THEN f.source END AS key,
                       SUM(f.contributions) AS contributions,
                       COUNT(DISTINCT f.project_id) AS projects,
                       SUM(f.contributions) FILTER (
                           WHERE NOT (type = ANY(%(code_types)s))) AS non_code,
                       SUM(f.synthetic) AS synthetic
                FROM stats_rebuild_facets f JOIN projects_project p ON p.id = f.project_id
                GROUP BY GROUPING SETS ((p.governance_model), (f.type), (f.domain), (f.phase),
                                        (f.compensation), (f.artifact_domain), (f.source), ())
                UNION ALL
                SELECT %(continent)s, continent, SUM(contributions), COUNT(DISTINCT project_id),
                       SUM(contributions) FILTER (WHERE NOT (type = ANY(%(code_types)s))),
                       SUM(synthetic)
                FROM (SELECT DISTINCT f.*, co.continent
                      FROM stats_rebuild_facets f
                      LEFT JOIN projects_project_countries pc ON pc.project_id = f.project_id
                      LEFT JOIN projects_country co ON co.code = pc.country_id) AS by_continent
                GROUP BY continent),
            keyed AS (
                SELECT dimension,
                       CASE WHEN dimension = %(all)s THEN ''
                            ELSE COALESCE(NULLIF(key, ''), %(unspecified)s) END AS key,
                       contributions, projects, non_code, synthetic
                FROM counts WHERE contributions > 0)
            SELECT k.dimension, k.key, SUM(k.contributions) AS contributions,
                   MAX(p.contributors) AS contributors, SUM(k.projects) AS projects,
                   COALESCE(SUM(k.non_code), 0) AS non_code, SUM(k.synthetic) AS synthetic
            FROM keyed k JOIN stats_rebuild_breakdown_people p USING (dimension, key)
            GROUP BY k.dimension, k.key""",
        """CREATE TEMP TABLE stats_rebuild_languages AS
            SELECT c.project_id, cl.language_id AS code, COUNT(*) AS contributions,
                   bool_or(l.resource_level = ANY(%(underrepresented)s)) AS underrepresented
            FROM contributions_contribution_languages cl
            JOIN contributions_contribution c ON c.id = cl.contribution_id
            JOIN projects_language l ON l.code = cl.language_id
            WHERE c.status = %(approved)s GROUP BY c.project_id, cl.language_id""",
        """CREATE TEMP TABLE stats_rebuild_tagging AS
            SELECT project_id, COUNT(*) AS tagged, COUNT(*) FILTER (WHERE under) AS under
            FROM (SELECT c.project_id, cl.contribution_id,
                         bool_or(l.resource_level = ANY(%(underrepresented)s)) AS under
                  FROM contributions_contribution_languages cl
                  JOIN contributions_contribution c ON c.id = cl.contribution_id
                  JOIN projects_language l ON l.code = cl.language_id
                  WHERE c.status = %(approved)s
                  GROUP BY c.project_id, cl.contribution_id) AS tagged
            GROUP BY project_id""",
    ]


def _rebuild_params() -> dict[str, Any]:
    return {
        "tz": timezone.get_current_timezone_name(),
        "approved": str(APPROVED),
        "repository": str(ContributionSource.REPOSITORY),
        "synthetic": str(ContributionSource.SYNTHETIC),
        "unspecified": UNSPECIFIED,
        "code_types": sorted(str(t) for t in CODE_TYPES),
        "underrepresented": [str(level) for level in UNDERREPRESENTED_LEVELS],
        "type_domain": json.dumps({str(t): str(d) for t, d in TYPE_DOMAIN.items()}),
        "artifact_domain": json.dumps({str(k): str(d) for k, d in ARTIFACT_KIND_DOMAIN.items()}),
        "all": str(Dimension.ALL),
        "governance_model": str(Dimension.GOVERNANCE_MODEL),
        "continent": str(Dimension.CONTINENT),
        "type": str(Dimension.TYPE),
        "domain": str(Dimension.DOMAIN),
        "phase": str(Dimension.PHASE),
        "compensation": str(Dimension.COMPENSATION),
        "artifact_domain_dimension": str(Dimension.ARTIFACT_DOMAIN),
        "source": str(Dimension.SOURCE),
    }


def _drop_rebuild_tables(cursor) -> None:
    cursor.execute(f"DROP TABLE IF EXISTS {', '.join(REBUILD_TABLES)}")


def _rebuild_set_based(*, progress: Callable[[int], None] | None) -> dict[str, int]:
    today = timezone.localdate()
    params = _rebuild_params()
    with connection.cursor() as cursor:
        try:
            _drop_rebuild_tables(cursor)
            snapshot = not connection.in_atomic_block  # as in `refresh_project`
            with transaction.atomic():
                if snapshot:
                    cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
                cursor.execute(f"SET LOCAL work_mem = '{REBUILD_WORK_MEM}'")
                fingerprint = global_fingerprint()
                for statement in _rebuild_compute_sql():
                    cursor.execute(statement, params)
                # Temporary tables have no statistics until analysed (autovacuum skips them);
                # without them the planner joins the ones phase two joins by nested loops.
                cursor.execute(
                    "ANALYZE stats_rebuild_versions, stats_rebuild_people, stats_rebuild_cells, "
                    "stats_rebuild_sources"
                )
            with transaction.atomic():
                # Derived rows: a commit lost in a crash leaves the projects stale, no worse, so
                # the commit need not wait for the WAL to reach the disk.
                cursor.execute("SET LOCAL synchronous_commit = off")
                written = _rebuild_write(
                    cursor, today=today, fingerprint=fingerprint, progress=progress
                )
            cursor.execute(
                "SELECT v.project_id FROM contributions_projectledgerversion v "
                "JOIN stats_rebuild_versions s USING (project_id) WHERE v.version > s.version "
                "ORDER BY v.project_id"
            )
            moved = [project_id for (project_id,) in cursor.fetchall()]
        finally:
            _drop_rebuild_tables(cursor)
    # Written at the snapshot's version: what committed since is folded on, as after a refresh.
    for project_id in moved:
        if not apply_deltas(project_id):
            refresh_project(project_id)
    return {"projects": written}


def _rebuild_write(cursor, *, today: dt.date, fingerprint: str, progress) -> int:
    """Phase two: replace the rollups of the projects not already at a newer version."""
    now = timezone.now()
    cursor.execute(
        "SELECT project_id FROM stats_rebuild_versions WHERE project_id NOT IN "
        "(SELECT project_id FROM contributions_projectstatssummary)"
    )
    ProjectStatsSummary.objects.bulk_create(
        [
            ProjectStatsSummary(project_id=project_id, computed_at=now, computed_on=today)
            for (project_id,) in cursor.fetchall()
        ],
        ignore_conflicts=True,  # a concurrent refresh created it: it is locked below
    )
    # The locks `refresh_project` takes, in one order; a summary a concurrent refresh brought
    # past the snapshot keeps its newer numbers.
    cursor.execute(
        """CREATE TEMP TABLE stats_rebuild_write AS
            SELECT v.project_id, v.version FROM stats_rebuild_versions v
            JOIN (SELECT project_id, ledger_version FROM contributions_projectstatssummary
                  WHERE project_id IN (SELECT project_id FROM stats_rebuild_versions)
                  ORDER BY project_id FOR UPDATE) AS s USING (project_id)
            WHERE s.ledger_version <= v.version"""
    )
    cursor.execute("ANALYZE stats_rebuild_write")
    for table, computed, columns in _REBUILT_TABLES:
        _replace_rows(cursor, table, computed, columns)
    written = _rebuild_summaries(cursor, today=today, now=now, progress=progress)
    cursor.execute(
        "DELETE FROM contributions_statsdelta d USING stats_rebuild_write w "
        "WHERE d.project_id = w.project_id AND d.version <= w.version"
    )
    _rebuild_global(cursor, fingerprint=fingerprint, now=now)
    return written


# The project rollups the rebuild writes: (table, computed temporary table, {column: the computed
# column, wrapped in COALESCE with a sentinel when it can be NULL so the comparison can hash}).
_REBUILT_TABLES = (
    (
        "contributions_projectmonthlyrollup",
        "stats_rebuild_cells",
        {
            "project_id": "project_id",
            "month": "month",
            "type": "type",
            "phase": "phase",
            "unit": "unit",
            "contributions": "contributions",
            "contributors": "contributors",
            "quantity": "quantity?",
        },
    ),
    (
        "contributions_projectcontributorrollup",
        "stats_rebuild_people",
        {
            "project_id": "project_id",
            "contributor_id": "contributor_id",
            "type": "type",
            "affiliation_id": "affiliation_id?",
            "contributions": "contributions",
            "first_day": "first_day",
            "last_day": "last_day",
        },
    ),
    (
        "contributions_projectsourcerollup",
        "stats_rebuild_sources",
        {
            "project_id": "project_id",
            "source": "source",
            "contributions": "contributions",
            "contributors": "contributors",
            "non_code_contributions": "non_code",
            "commits": "commits",
            "lines_added": "lines_added",
            "lines_removed": "lines_removed",
        },
    ),
)


def _replace_rows(cursor, table: str, computed: str, columns: Mapping[str, str]) -> None:
    """Bring the rebuilt projects' rows of `table` to those of `computed`, touching only the rows
    that differ (as `_write_cells` does): a rebuild over rollups that are right writes nothing,
    and readers and the WAL see only what moved. Both sides are GROUP BY outputs, one row per
    key, so comparing whole rows is exact."""

    def same(stored: str, fresh: str) -> str:
        return " AND ".join(
            f"COALESCE({stored}.{name}, -1) = COALESCE({fresh}.{source[:-1]}, -1)"
            if source.endswith("?")
            else f"{stored}.{name} = {fresh}.{source}"
            for name, source in columns.items()
        )

    names = ", ".join(columns)
    values = ", ".join(f"c.{source.rstrip('?')} AS {name}" for name, source in columns.items())
    # One hash full join finds both sides' unmatched rows.
    cursor.execute(
        f"""CREATE TEMP TABLE stats_rebuild_diff AS
            SELECT t.id AS stale_id, {values}
            FROM (SELECT * FROM {table}
                  WHERE project_id IN (SELECT project_id FROM stats_rebuild_write)) AS t
            FULL JOIN (SELECT * FROM {computed}
                       WHERE project_id IN (SELECT project_id FROM stats_rebuild_write)) AS c
              ON {same("t", "c")}
            WHERE t.id IS NULL OR c.project_id IS NULL"""  # noqa: S608
    )
    cursor.execute(
        f"DELETE FROM {table} WHERE id IN "  # noqa: S608
        "(SELECT stale_id FROM stats_rebuild_diff WHERE stale_id IS NOT NULL)"
    )
    cursor.execute(
        f"INSERT INTO {table} ({names}) SELECT {names} FROM stats_rebuild_diff "  # noqa: S608
        "WHERE stale_id IS NULL"
    )
    cursor.execute("DROP TABLE stats_rebuild_diff")


def _project_facets(cursor) -> dict[int, dict[str, Any]]:
    """Per project, the few dozen numbers of its summary that are plain counts."""
    facets: dict[int, dict[str, Any]] = defaultdict(
        lambda: {
            "by_type": Counter(),
            "by_phase": Counter(),
            "by_compensation": Counter(),
            "by_artifact_domain": Counter(),
            "synthetic": 0,
            "languages": {},
            "tagged": 0,
            "underrepresented": 0,
            "quantities": {},
        }
    )
    # Summed per project and dimension by the database: a few rows per project, whatever the
    # number of combinations the facets hold.
    cursor.execute(
        """SELECT project_id, 'by_type', type, SUM(contributions)::bigint
           FROM stats_rebuild_facets GROUP BY project_id, type
           UNION ALL
           SELECT project_id, 'by_phase', phase, SUM(contributions)::bigint
           FROM stats_rebuild_facets GROUP BY project_id, phase
           UNION ALL
           SELECT project_id, 'by_compensation', compensation, SUM(contributions)::bigint
           FROM stats_rebuild_facets GROUP BY project_id, compensation
           UNION ALL
           SELECT project_id, 'by_artifact_domain', artifact_domain, SUM(contributions)::bigint
           FROM stats_rebuild_facets GROUP BY project_id, artifact_domain
           UNION ALL
           SELECT project_id, 'synthetic', '', SUM(synthetic)::bigint
           FROM stats_rebuild_facets GROUP BY project_id"""
    )
    for project_id, name, key, n in cursor.fetchall():
        if name == "synthetic":
            facets[project_id]["synthetic"] = n
        else:
            facets[project_id][name][key] = n
    cursor.execute(
        "SELECT project_id, unit, SUM(quantity) FROM stats_rebuild_cells "
        "WHERE quantity IS NOT NULL GROUP BY project_id, unit"
    )
    for project_id, unit, quantity in cursor.fetchall():
        facets[project_id]["quantities"][unit] = quantity
    cursor.execute("SELECT project_id, code, contributions FROM stats_rebuild_languages")
    for project_id, code, n in cursor.fetchall():
        facets[project_id]["languages"][code] = n
    cursor.execute("SELECT project_id, tagged, under FROM stats_rebuild_tagging")
    for project_id, tagged, under in cursor.fetchall():
        facets[project_id]["tagged"] = tagged
        facets[project_id]["underrepresented"] = under
    return facets


def _rebuild_summaries(cursor, *, today: dt.date, now: dt.datetime, progress) -> int:
    """The summaries, from the compact contributor rollup streamed by project (one project's rows
    in memory at a time) and the per-project counts; written in batches."""
    facets = _project_facets(cursor)
    cursor.execute("SELECT DISTINCT code FROM stats_rebuild_languages")
    language_info = language_details(code for (code,) in cursor.fetchall())
    cursor.execute("SELECT project_id, version FROM stats_rebuild_write ORDER BY project_id")
    versions = cursor.fetchall()
    cursor.execute(
        """DECLARE stats_rebuild_stream NO SCROLL CURSOR FOR
           SELECT project_id, contributor_id, type, affiliation_id, contributions, first_day,
                  last_day
           FROM stats_rebuild_people JOIN stats_rebuild_write USING (project_id)
           ORDER BY project_id"""
    )
    groups = groupby(_fetch_all(cursor, "stats_rebuild_stream"), key=itemgetter(0))
    group = next(groups, None)
    batch: list[ProjectStatsSummary] = []
    for project_id, version in versions:
        facet = facets.get(project_id) or facets.default_factory()
        rows: list[tuple] = []
        if group is not None and group[0] == project_id:
            rows = [row[1:] for row in group[1]]
            group = next(groups, None)
        fields = summary_fields(
            today=today,
            **contributor_inputs(rows),
            by_type=facet["by_type"],
            by_phase=facet["by_phase"],
            by_compensation=facet["by_compensation"],
            by_artifact_domain=facet["by_artifact_domain"],
            synthetic=facet["synthetic"],
            languages=facet["languages"],
            tagged=facet["tagged"],
            underrepresented=facet["underrepresented"],
            quantities=facet["quantities"],
            language_info=language_info,
        )
        batch.append(
            ProjectStatsSummary(
                project_id=project_id,
                ledger_version=version,
                computed_at=now,
                computed_on=today,
                **fields,
            )
        )
        if len(batch) >= 500:
            _save_summaries(batch, progress)
            batch = []
    _save_summaries(batch, progress)
    cursor.execute("CLOSE stats_rebuild_stream")
    return len(versions)


def _fetch_all(cursor, name: str, size: int = 5000) -> Iterator[tuple]:
    """The rows of an open server-side cursor, fetched `size` at a time."""
    while True:
        cursor.execute(f"FETCH {int(size)} FROM {name}")
        rows = cursor.fetchall()
        if not rows:
            return
        yield from rows


def _save_summaries(batch: list[ProjectStatsSummary], progress) -> None:
    if not batch:
        return
    fields = [f.name for f in ProjectStatsSummary._meta.concrete_fields if not f.primary_key]
    ProjectStatsSummary.objects.bulk_update(batch, fields)
    if progress:
        progress(len(batch))


def _rebuild_global(cursor, *, fingerprint: str, now: dt.datetime) -> None:
    state, _ = GlobalStatsState.objects.select_for_update().get_or_create(pk=1)
    cursor.execute("DELETE FROM contributions_statsbreakdown")
    cursor.execute(
        """INSERT INTO contributions_statsbreakdown (dimension, key, contributions,
                contributors, projects, non_code_contributions, synthetic_contributions)
            SELECT dimension, key, contributions, contributors, projects, non_code, synthetic
            FROM stats_rebuild_breakdowns"""
    )
    cursor.execute("DELETE FROM contributions_globalmonthlyrollup")
    cursor.execute(
        """INSERT INTO contributions_globalmonthlyrollup (month, type, phase, unit,
                contributions, contributors, quantity)
            SELECT month, type, phase, unit, contributions, contributors, quantity
            FROM stats_rebuild_global_cells"""
    )
    state.fingerprint = fingerprint
    state.computed_at = now
    state.save()
