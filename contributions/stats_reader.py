"""Reading the statistics: the one module that reads the rollups.

The API (`api_stats.py`, `/api/v1/map/`), the pages (`cartography/selectors.py` and views), the
template tags, the badges and the snapshot all read statistics through these functions, and these
functions read only the rollup tables (`contributions.models.rollups`) that `contributions.stats`
keeps. Nothing here touches the ledger, so the cost of a read does not grow with it; the numbers
are as fresh as the last refresh, and each result says when that was (`updated_at`).

One definition of each share: `share(part, whole)`, a fraction from 0 to 1 (None when there is
nothing to share), in data everywhere, API payloads included. Only presentation turns it into a
percent, with `percent_text` (the `as_percent` template filter, the SVG charts and the badges).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field, fields
from typing import Any

from django.db.models import QuerySet, Sum

from contributions.choices import (
    Compensation,
    ContributionDomain,
    ContributionSource,
    ContributionType,
    LifecyclePhase,
    types_in_domain,
)
from contributions.models import (
    GlobalMonthlyRollup,
    GlobalStatsState,
    ProjectMonthlyRollup,
    ProjectSourceRollup,
    ProjectStatsSummary,
    StatsBreakdown,
)
from contributions.stats import month_key
from projects.choices import ArtifactDomain, Continent, GovernanceModel

Dimension = StatsBreakdown.Dimension
NO_VALUE = "\u2013"


# SHARES
# ------------------------------------------------------------------------------
def share(part: int, whole: int) -> float | None:
    """`part` of `whole` as a fraction from 0 to 1, to four places; None when `whole` is 0."""
    return round(part / whole, 4) if whole else None


def percent_text(value: float | None) -> str:
    """A share (a fraction) as a whole percent, or an en dash when there is nothing to share.
    The only place a share becomes a percent."""
    if value is None or value == "":
        return NO_VALUE
    return f"{100 * float(value):.0f}%"


# ONE PROJECT
# ------------------------------------------------------------------------------
@dataclass(frozen=True)
class ProjectStats:
    """A project's statistics as its summary rollup holds them; zeros before the first refresh
    (then `updated_at` is None)."""

    project_id: int | None = None
    contributions: int = 0
    contributors: int = 0
    non_code_contributions: int = 0
    synthetic_contributions: int = 0
    active_30: int = 0
    active_90: int = 0
    absence_factor: int = 0
    absence_factor_by_type: dict[str, int] = field(default_factory=dict)
    elephant_factor: int | None = None
    affiliated_contributions: int = 0
    organisations: int = 0
    language_tagged_contributions: int = 0
    underrepresented_language_contributions: int = 0
    by_type: dict[str, int] = field(default_factory=dict)
    by_domain: dict[str, int] = field(default_factory=dict)
    by_phase: dict[str, int] = field(default_factory=dict)
    by_compensation: dict[str, int] = field(default_factory=dict)
    by_artifact_domain: dict[str, int] = field(default_factory=dict)
    new_contributors_by_month: dict[str, int] = field(default_factory=dict)
    languages: list[dict[str, Any]] = field(default_factory=list)
    quantities: dict[str, str] = field(default_factory=dict)
    updated_at: dt.datetime | None = None

    @classmethod
    def of(cls, project_id: int, summary: ProjectStatsSummary | None) -> ProjectStats:
        if summary is None:
            return cls(project_id=project_id)
        values = {name: getattr(summary, name) for name in SUMMARY_FIELDS}
        return cls(project_id=project_id, updated_at=summary.computed_at, **values)

    @property
    def non_code_share(self) -> float | None:
        return share(self.non_code_contributions, self.contributions)

    @property
    def underrepresented_language_share(self) -> float | None:
        return share(
            self.underrepresented_language_contributions, self.language_tagged_contributions
        )

    def phase_count(self, phase: str) -> int:
        return int(self.by_phase.get(phase, 0))

    @property
    def phase_counts(self) -> list[int]:
        """Approved contributions per lifecycle phase, in the phases' order."""
        return [self.phase_count(phase) for phase in LifecyclePhase.values]

    def domain_count(self, domain: str) -> int:
        return int(self.by_domain.get(domain, 0))

    def as_payload(self) -> dict[str, Any]:
        """What `/api/v1/projects/<slug>/stats/` answers (without the slug)."""
        payload = {name: getattr(self, name) for name in SUMMARY_FIELDS}
        payload["non_code_share"] = self.non_code_share
        payload["underrepresented_language_share"] = self.underrepresented_language_share
        payload["updated_at"] = self.updated_at
        return payload


# The fields a summary rollup stores, as `ProjectStats` names them.
SUMMARY_FIELDS: tuple[str, ...] = tuple(
    f.name for f in fields(ProjectStats) if f.name not in ("project_id", "updated_at")
)


def project_stats(project_id: int) -> ProjectStats:
    """One project's statistics (one query)."""
    return ProjectStats.of(
        project_id, ProjectStatsSummary.objects.filter(project_id=project_id).first()
    )


def stats_by_project(project_ids) -> dict[int, ProjectStats]:
    """{project id: its statistics} for every id asked, empty ones included (one query)."""
    ids = list(project_ids)
    summaries = {s.project_id: s for s in ProjectStatsSummary.objects.filter(project_id__in=ids)}
    return {pk: ProjectStats.of(pk, summaries.get(pk)) for pk in ids}


def type_phase_counts(project_id: int) -> dict[str, dict[str, int]]:
    """{type: {phase: approved contributions}} of one project, summed from its monthly cells
    (each approved contribution is in exactly one cell); only types with work."""
    table: dict[str, dict[str, int]] = {}
    rows = (
        ProjectMonthlyRollup.objects.filter(project_id=project_id)
        .values_list("type", "phase")
        .annotate(n=Sum("contributions"))
        .order_by()
    )
    for type_, phase, n in rows:
        if n:
            table.setdefault(type_, {})[phase] = n
    return table


# SETS OF PROJECTS (the map's per-country and per-language sums)
# ------------------------------------------------------------------------------
def contributions_by_project(projects: QuerySet) -> dict[int, int]:
    """{project id: approved contributions} of the projects given, those with any."""
    return dict(
        ProjectStatsSummary.objects.filter(project__in=projects, contributions__gt=0).values_list(
            "project_id", "contributions"
        )
    )


def contributions_by_language(projects: QuerySet) -> Counter[str]:
    """{language code: approved contributions serving it}, summed over the projects given."""
    served: Counter[str] = Counter()
    for languages in ProjectStatsSummary.objects.filter(project__in=projects).values_list(
        "languages", flat=True
    ):
        for entry in languages or []:
            served[entry.get("code")] += int(entry.get("contributions") or 0)
    return served


# EVERY PROJECT (the breakdown rollups)
# ------------------------------------------------------------------------------
# The label of each breakdown key, by dimension; "unspecified" covers work with no value.
LABELS: dict[str, dict[str, str]] = {
    Dimension.GOVERNANCE_MODEL: dict(GovernanceModel.choices),
    Dimension.CONTINENT: dict(Continent.choices),
    Dimension.ARTIFACT_DOMAIN: dict(ArtifactDomain.choices),
    Dimension.DOMAIN: dict(ContributionDomain.choices),
    Dimension.PHASE: dict(LifecyclePhase.choices),
    Dimension.TYPE: dict(ContributionType.choices),
    Dimension.COMPENSATION: dict(Compensation.choices),
    Dimension.SOURCE: dict(ContributionSource.choices),
}


@dataclass(frozen=True)
class BreakdownRow:
    """One row of the global rollups: the totals ("all") or one key of a dimension."""

    dimension: str
    key: str = ""
    contributions: int = 0
    contributors: int = 0
    projects: int = 0
    non_code_contributions: int = 0
    synthetic_contributions: int = 0

    @property
    def label(self) -> str:
        if self.dimension == Dimension.ALL:
            return str(Dimension.ALL.label)
        return str(LABELS.get(self.dimension, {}).get(self.key, self.key))

    @property
    def non_code_share(self) -> float | None:
        return share(self.non_code_contributions, self.contributions)

    def as_payload(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "label": self.label,
            "contributions": self.contributions,
            "contributors": self.contributors,
            "projects": self.projects,
            "non_code_share": self.non_code_share,
            "synthetic_contributions": self.synthetic_contributions,
        }


@dataclass
class Breakdowns:
    """The global rollups: `total` (zeros before the first refresh) and, per dimension, its rows
    with the most contributions first."""

    total: BreakdownRow = field(default_factory=lambda: BreakdownRow(Dimension.ALL))
    rows: dict[str, list[BreakdownRow]] = field(default_factory=dict)
    updated_at: dt.datetime | None = None

    def of(self, dimension: str) -> list[BreakdownRow]:
        return self.rows.get(dimension, [])

    def get(self, dimension: str, key: str) -> BreakdownRow | None:
        return next((row for row in self.of(dimension) if row.key == key), None)

    def contributions(self, dimension: str, key: str) -> int:
        row = self.get(dimension, key)
        return row.contributions if row else 0


def global_breakdowns() -> Breakdowns:
    """Every breakdown row and when they were computed (two queries)."""
    result = Breakdowns()
    for stored in StatsBreakdown.objects.order_by("dimension", "-contributions", "key"):
        row = BreakdownRow(
            dimension=stored.dimension,
            key=stored.key,
            contributions=stored.contributions,
            contributors=stored.contributors,
            projects=stored.projects,
            non_code_contributions=stored.non_code_contributions,
            synthetic_contributions=stored.synthetic_contributions,
        )
        if row.dimension == Dimension.ALL:
            result.total = row
        else:
            result.rows.setdefault(row.dimension, []).append(row)
    state = GlobalStatsState.objects.filter(pk=1).first()
    result.updated_at = state.computed_at if state else None
    return result


# WORK BY SOURCE: where each number comes from
# ------------------------------------------------------------------------------
@dataclass(frozen=True)
class SourceRow:
    """A project's approved work from one source (`ContributionSource`)."""

    key: str
    contributions: int = 0
    contributors: int = 0
    non_code_contributions: int = 0
    commits: int = 0
    lines_added: int = 0
    lines_removed: int = 0

    @property
    def label(self) -> str:
        return str(LABELS[Dimension.SOURCE].get(self.key, self.key))

    @property
    def non_code_share(self) -> float | None:
        return share(self.non_code_contributions, self.contributions)

    def as_payload(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "label": self.label,
            "contributions": self.contributions,
            "contributors": self.contributors,
            "non_code_contributions": self.non_code_contributions,
            "non_code_share": self.non_code_share,
            "commits": self.commits,
            "lines_added": self.lines_added,
            "lines_removed": self.lines_removed,
        }


def project_sources(project_id: int) -> list[SourceRow]:
    """A project's approved work by source, most contributions first (one query)."""
    return [
        SourceRow(
            key=row.source,
            contributions=row.contributions,
            contributors=row.contributors,
            non_code_contributions=row.non_code_contributions,
            commits=row.commits,
            lines_added=row.lines_added,
            lines_removed=row.lines_removed,
        )
        for row in ProjectSourceRollup.objects.filter(project_id=project_id).order_by(
            "-contributions", "source"
        )
    ]


def approved_total() -> int:
    """Approved contributions in all, as of the last refresh (one query)."""
    row = StatsBreakdown.objects.filter(dimension=Dimension.ALL).values_list("contributions")[:1]
    return next(iter(row), (0,))[0]


# TIMESERIES
# ------------------------------------------------------------------------------
@dataclass(frozen=True)
class Timeseries:
    updated_at: dt.datetime | None
    points: list[dict[str, Any]]


def timeseries(
    *,
    project_id: int | None = None,
    type_: str | None = None,
    domain: str | None = None,
    phase: str | None = None,
) -> Timeseries:
    """Approved contributions and quantity sums by month, of one project or of all, filtered by
    type, domain and phase: [{month: "YYYY-MM", contributions, quantities: {unit: sum}}]."""
    if project_id is not None:
        cells = ProjectMonthlyRollup.objects.filter(project_id=project_id)
        summary = ProjectStatsSummary.objects.filter(project_id=project_id).first()
        updated_at = summary.computed_at if summary else None
    else:
        cells = GlobalMonthlyRollup.objects.all()
        state = GlobalStatsState.objects.filter(pk=1).first()
        updated_at = state.computed_at if state else None
    if type_:
        cells = cells.filter(type=type_)
    if domain:
        cells = cells.filter(type__in=types_in_domain(domain))
    if phase:
        cells = cells.filter(phase=phase)
    counts = dict(cells.values_list("month").annotate(n=Sum("contributions")).order_by("month"))
    quantities: dict = {}
    for month, unit, total in (
        cells.exclude(unit="")
        .values_list("month", "unit")
        .annotate(q=Sum("quantity"))
        .order_by("month", "unit")
    ):
        quantities.setdefault(month, {})[unit] = total
    points = [
        {"month": month_key(month), "contributions": n, "quantities": quantities.get(month, {})}
        for month, n in counts.items()
    ]
    return Timeseries(updated_at=updated_at, points=points)
