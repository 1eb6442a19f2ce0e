"""Reads for the site-wide pages (the map, the governance view, the compare view, badges).

These pages join the registry and the ledger, so they are composed here, above both apps. Every
statistic comes through `contributions.stats_reader`, which reads the rollups, never the ledger:
the cost of a page does not grow with the number of contributions. Registry facts (which projects
exist, where, how governed, which languages they target) are read from the registry tables, which
stay small. A project's statistics are attached to it as `project.stats` (a
`stats_reader.ProjectStats`), never over a model field (`Project.summary` is its description).
"""

from __future__ import annotations

import statistics
from collections import Counter
from dataclasses import dataclass, field

from django.db.models import Count, Prefetch, QuerySet

from contributions import stats_reader
from contributions.choices import LifecyclePhase
from contributions.stats_reader import Breakdowns, Dimension, ProjectStats
from projects.choices import (
    ARTIFACT_KIND_DOMAIN,
    UNDERREPRESENTED_LEVELS,
    ArtifactDomain,
    FactSource,
    GovernanceModel,
)
from projects.models import Artifact, Language, Project, ProjectOrganisation
from projects.selectors import PUBLIC_LISTING

# The API calls that feed each chart (linked under every chart and table).
API_STATS = "/api/v1/stats/"
API_PROJECTS = "/api/v1/projects/"
API_ARTIFACTS = "/api/v1/artifacts/"
API_MAP = "/api/v1/map/"


def api_project_stats(slug: str) -> str:
    return f"{API_PROJECTS}{slug}/stats/"


def public_projects() -> QuerySet[Project]:
    """The projects the public map shows: listed and archived ones, as for anonymous visitors.

    The map is the same for everyone (and so cacheable): a maintainer's pending proposal is not on
    it until staff list it."""
    return Project.objects.filter(listing_status__in=PUBLIC_LISTING)


def attach_stats(projects: list[Project]) -> list[Project]:
    """Give each project its statistics as `project.stats` (one query for all of them)."""
    by_project = stats_reader.stats_by_project([p.pk for p in projects])
    for project in projects:
        project.stats = by_project[project.pk]
    return projects


# THE MAP
# ------------------------------------------------------------------------------
def projects_by_country() -> dict[str, int]:
    """Public projects per country (ISO alpha-2); a project in two countries counts in both."""
    through = Project.countries.through
    rows = (
        through.objects.filter(project__listing_status__in=PUBLIC_LISTING)
        .values("country_id")
        .annotate(n=Count("project_id", distinct=True))
    )
    return {row["country_id"]: row["n"] for row in rows}


def contributions_by_country() -> dict[str, int]:
    """Approved contributions to the projects based in each country, from the project summaries.

    A project based in two countries counts in both: the map shows where projects that receive
    contributions are based, not where each contributor lives (the rollups hold no contributor
    country)."""
    through = Project.countries.through
    links = through.objects.filter(project__listing_status__in=PUBLIC_LISTING).values_list(
        "project_id", "country_id"
    )
    totals = stats_reader.contributions_by_project(public_projects())
    by_country: Counter[str] = Counter()
    for project_id, country in links:
        if totals.get(project_id):
            by_country[country] += totals[project_id]
    return dict(by_country)


def country_rows(
    projects: dict[str, int], contributions: dict[str, int]
) -> list[dict[str, object]]:
    """One table row per country on either map, most projects first."""
    from projects.geo import country_by_alpha2

    codes = set(projects) | set(contributions)
    rows = []
    for code in codes:
        country = country_by_alpha2(code)
        rows.append(
            {
                "code": code,
                "name": country["name"] if country else code,
                "projects": projects.get(code, 0),
                "contributions": contributions.get(code, 0),
            }
        )
    rows.sort(key=lambda r: (-r["projects"], -r["contributions"], r["name"]))
    return rows


@dataclass
class GovernanceGroup:
    model: str
    label: str
    projects: list[Project]
    # From the global breakdown rollup (distinct contributors are only correct there).
    contributions: int = 0
    contributors: int = 0
    non_code: int = 0
    # From the project summaries.
    phase_mix: dict[str, int] = field(default_factory=dict)
    absence_factors: list[int] = field(default_factory=list)
    elephant_factors: list[int] = field(default_factory=list)
    # Producers an importer created from a peer's file (the Model Openness Tool, the index) whose
    # governance nobody classified yet: named apart, not as the bulk of "Other" (docs/decisions.md).
    not_yet_classified: list[Project] = field(default_factory=list)

    @property
    def non_code_share(self) -> float | None:
        return stats_reader.share(self.non_code, self.contributions)

    @property
    def inferred_count(self) -> int:
        return sum(1 for p in self.projects if not p.governance_confirmed)

    @property
    def median_absence_factor(self) -> float | None:
        return statistics.median(self.absence_factors) if self.absence_factors else None

    @property
    def median_elephant_factor(self) -> float | None:
        return statistics.median(self.elephant_factors) if self.elephant_factors else None

    @property
    def phase_rows(self) -> list[tuple[str, str, int]]:
        return [(p.value, str(p.label), self.phase_mix.get(p.value, 0)) for p in LifecyclePhase]


def is_not_yet_classified(project: Project) -> bool:
    """A project an importer created for a file's producer, its governance still unclassified."""
    return (
        project.source == FactSource.IMPORT
        and project.governance_model == GovernanceModel.OTHER
        and not project.governance_confirmed
    )


def governance_groups(*, breakdowns: Breakdowns | None = None) -> list[GovernanceGroup]:
    """The five governance models of the study (and "other"), each with its public projects and
    their aggregate contribution pattern."""
    breakdowns = breakdowns or stats_reader.global_breakdowns()
    projects = list(
        public_projects()
        .prefetch_related(
            "countries",
            Prefetch(
                "organisation_roles",
                queryset=ProjectOrganisation.objects.select_related("organisation"),
            ),
        )
        .order_by("name", "id")
    )
    attach_stats(projects)
    groups = {
        model.value: GovernanceGroup(model=model.value, label=str(model.label), projects=[])
        for model in GovernanceModel
    }
    for project in projects:
        group = groups[project.governance_model]
        # Once work is logged for one, it counts as a row like any other project.
        if is_not_yet_classified(project) and not project.stats.contributions:
            group.not_yet_classified.append(project)
            continue
        group.projects.append(project)
        stats: ProjectStats = project.stats
        if not stats.contributions:
            continue
        for phase, count in stats.by_phase.items():
            group.phase_mix[phase] = group.phase_mix.get(phase, 0) + int(count)
        group.absence_factors.append(stats.absence_factor)
        if stats.elephant_factor is not None:
            group.elephant_factors.append(stats.elephant_factor)
    for key, group in groups.items():
        row = breakdowns.get(Dimension.GOVERNANCE_MODEL, key)
        if row is not None:
            group.contributions = row.contributions
            group.contributors = row.contributors
            group.non_code = row.non_code_contributions
    return list(groups.values())


def language_coverage(*, limit: int = 30) -> list[dict[str, object]]:
    """Languages the public projects target (registry) and the approved contributions serving
    each (project summaries), underrepresented ones marked; most targeted first."""
    targeted = (
        Language.objects.filter(projects__listing_status__in=PUBLIC_LISTING)
        .annotate(n=Count("projects", distinct=True))
        .order_by("-n", "name")
    )
    served = stats_reader.contributions_by_language(public_projects())
    rows = [
        {
            "code": lang.code,
            "name": lang.name,
            "projects": lang.n,
            "contributions": served.get(lang.code, 0),
            "underrepresented": lang.resource_level in UNDERREPRESENTED_LEVELS,
            "resource_level": lang.get_resource_level_display(),
        }
        for lang in targeted[:limit]
    ]
    return rows


def language_totals() -> dict[str, int]:
    """How many languages the public projects target, and how many are underrepresented."""
    languages = Language.objects.filter(projects__listing_status__in=PUBLIC_LISTING).distinct()
    return {
        "targeted": languages.count(),
        "underrepresented": languages.filter(resource_level__in=UNDERREPRESENTED_LEVELS).count(),
    }


def artifact_domains(*, breakdowns: Breakdowns) -> list[dict[str, object]]:
    """Per artifact domain: the public artifacts in it (registry) and the approved contributions
    credited to them (rollups); a last row counts the contributions that name no artifact."""
    artifacts: Counter[str] = Counter()
    for row in (
        Artifact.objects.filter(project__listing_status__in=PUBLIC_LISTING)
        .values("kind")
        .annotate(n=Count("id"))
    ):
        artifacts[ARTIFACT_KIND_DOMAIN[row["kind"]]] += row["n"]
    return [
        {
            "key": domain.value,
            "label": str(domain.label),
            "artifacts": artifacts.get(domain.value, 0),
            "contributions": breakdowns.contributions(Dimension.ARTIFACT_DOMAIN, domain.value),
        }
        for domain in ArtifactDomain
    ] + [
        {
            "key": "unspecified",
            "label": "No artifact named",
            "artifacts": None,
            "contributions": breakdowns.contributions(Dimension.ARTIFACT_DOMAIN, "unspecified"),
        }
    ]


def map_overview() -> dict[str, object]:
    """Everything the home page draws, read once."""
    breakdowns = stats_reader.global_breakdowns()
    total = breakdowns.total
    contributions = total.contributions
    non_code = total.non_code_contributions
    phase_rows = [
        {
            "key": phase.value,
            "label": str(phase.label),
            "contributions": breakdowns.contributions(Dimension.PHASE, phase.value),
        }
        for phase in LifecyclePhase
    ]
    by_projects = projects_by_country()
    by_contributions = contributions_by_country()
    return {
        "breakdowns": breakdowns,
        "sources": breakdowns.of(Dimension.SOURCE),
        "computed_at": breakdowns.updated_at,
        "totals": {
            "projects": public_projects().count(),
            "countries": len(by_projects),
            "contributions": contributions,
            "contributors": total.contributors,
            "synthetic": total.synthetic_contributions,
            "non_code": non_code,
            "code": contributions - non_code,
            "non_code_share": total.non_code_share,
        },
        "projects_by_country": by_projects,
        "contributions_by_country": by_contributions,
        "country_rows": country_rows(by_projects, by_contributions),
        "governance": governance_groups(breakdowns=breakdowns),
        "phases": phase_rows,
        "domains": artifact_domains(breakdowns=breakdowns),
        "languages": language_coverage(),
        "language_totals": language_totals(),
    }


# COMPARE
# ------------------------------------------------------------------------------
def compare_projects(slugs: list[str]) -> list[Project]:
    """The public projects named, in the order asked, with what the compare view shows."""
    from projects.models.openness import ArtifactComponent

    found = {
        p.slug: p
        for p in public_projects()
        .filter(slug__in=slugs)
        .prefetch_related(
            "countries",
            "languages",
            Prefetch(
                "organisation_roles",
                queryset=ProjectOrganisation.objects.select_related("organisation__country"),
            ),
            Prefetch(
                "artifacts",
                queryset=Artifact.objects.select_related("licence", "derived_from__licence")
                .prefetch_related(
                    Prefetch(
                        "components", queryset=ArtifactComponent.objects.select_related("licence")
                    )
                )
                .order_by("name", "id"),
            ),
        )
    }
    projects = [found[slug] for slug in dict.fromkeys(slugs) if slug in found]
    return attach_stats(projects)


# LINEAGE AND OPENNESS
# ------------------------------------------------------------------------------
LINEAGE_MAX_NODES = 200
UPSTREAM_CREDITS_SHOWN = 25


@dataclass
class LineageNode:
    artifact: Artifact
    depth: int
    current: bool
    children: list[LineageNode] = field(default_factory=list)


def lineage_tree(artifact: Artifact, *, ancestors: list[Artifact]) -> list[dict[str, object]]:
    """The whole family of an artifact, from its root down, as a flat list of tokens that a
    template turns into nested lists without recursion: {"open": True} starts a child list,
    {"close": True} ends one, anything else is an item (artifact, relation, current, depth).

    One query per generation; a family larger than LINEAGE_MAX_NODES is cut there."""
    root = ancestors[-1] if ancestors else artifact
    nodes = {root.pk: LineageNode(root, 0, root.pk == artifact.pk)}
    level = [root.pk]
    depth = 0
    while level and len(nodes) < LINEAGE_MAX_NODES:
        depth += 1
        children = (
            Artifact.objects.filter(derived_from_id__in=level)
            .select_related("project", "licence")
            .order_by("name", "id")
        )
        level = []
        for child in children[: LINEAGE_MAX_NODES - len(nodes)]:
            if child.pk in nodes:  # cannot happen (no cycles), but never loop
                continue
            node = LineageNode(child, depth, child.pk == artifact.pk)
            nodes[child.pk] = node
            nodes[child.derived_from_id].children.append(node)
            level.append(child.pk)

    tokens: list[dict[str, object]] = []

    def walk(node: LineageNode) -> None:
        tokens.append(
            {
                "artifact": node.artifact,
                "relation": node.artifact.get_derivation_relation_display()
                if node.artifact.derived_from_id
                else "",
                "current": node.current,
                "depth": node.depth,
                "has_children": bool(node.children),
            }
        )
        if node.children:
            tokens.append({"open": True})
            for child in node.children:
                walk(child)
            tokens.append({"close": True})

    walk(nodes[root.pk])
    return tokens


def upstream_credits(ancestors: list[Artifact]) -> dict[str, object]:
    """Approved contributions credited to the ancestors of an artifact: the data annotators,
    evaluators and others whose work a derived model builds on. A bounded list (not a
    statistic): the most recent entries, data and evaluation work first."""
    from django.db.models import Case, IntegerField, Value, When

    from contributions.choices import TYPE_DOMAIN, ContributionStatus
    from contributions.models import Contribution

    if not ancestors:
        return {"entries": [], "more": False}
    first = [t for t, d in TYPE_DOMAIN.items() if d in ("data", "evaluation")]
    rows = list(
        Contribution.objects.filter(artifact__in=ancestors, status=ContributionStatus.APPROVED)
        .select_related("contributor", "artifact")
        .annotate(
            upstream_rank=Case(
                When(type__in=first, then=Value(0)), default=Value(1), output_field=IntegerField()
            )
        )
        .order_by("upstream_rank", "-created_at", "-id")[: UPSTREAM_CREDITS_SHOWN + 1]
    )
    return {"entries": rows[:UPSTREAM_CREDITS_SHOWN], "more": len(rows) > UPSTREAM_CREDITS_SHOWN}


def project_model_openness(project: Project) -> list[object]:
    """The openness record of each model release of a project (artifacts prefetched with their
    components and licences where the caller did so)."""
    from projects.openness.verdicts import openness_for
    from projects.selectors import artifact_lineage

    records = []
    for artifact in project.artifacts.all():
        if artifact.kind != "model":
            continue
        records.append(openness_for(artifact, ancestors=artifact_lineage(artifact)))
    return records
