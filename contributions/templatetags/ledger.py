"""Template helpers of the ledger: safe Markdown, status badges, shares as percents, and the
ledger's part of the project page.

The project page is a registry view (projects/views.py) and the registry never imports the
ledger; the page's contributions section is composed here, above both apps, and pulled in by the
template with `{% load ledger %}{% project_contributions project %}`. Its statistics come from the
rollups (`contributions.stats_reader`); only the list of recent entries reads the ledger, and it
is bounded.
"""

from django import template
from django.utils.safestring import SafeString

from contributions import permissions, selectors, stats_reader
from contributions.choices import (
    TYPE_DOMAIN,
    ContributionDomain,
    ContributionStatus,
    ContributionType,
    LifecyclePhase,
)
from contributions.markdown import render_markdown

register = template.Library()

PROJECT_PAGE_RECENT = 25


@register.filter(name="markdown")
def markdown_filter(text: str) -> SafeString:
    return render_markdown(text or "")


@register.filter(name="has_public_profile")
def has_public_profile_filter(contributor) -> bool:
    """`{% if contributor|has_public_profile %}`: contributions.permissions' visibility rule."""
    return permissions.has_public_profile(contributor)


@register.filter(name="as_percent")
def as_percent(share: float | None) -> str:
    """A share (a fraction from 0 to 1, as every share in the data) as a percent: the one place
    a template turns a share into one; an en dash when there is nothing to share."""
    return stats_reader.percent_text(share)


@register.inclusion_tag("contributions/_status.html")
def status_badge(status: str) -> dict:
    return {"status": status, "label": ContributionStatus(status).label}


@register.inclusion_tag("contributions/_project_contributions.html")
def project_contributions(project) -> dict:
    """Approved contributions of a project: counts by type and phase (from the rollups) and the
    most recent entries (a bounded list); the full list is the filtered contribution list."""
    stats = stats_reader.project_stats(project.pk)
    phases = list(LifecyclePhase)
    table = stats_reader.type_phase_counts(project.pk)
    rows = [
        {
            "type": ContributionType(code).label,
            "domain": ContributionDomain(TYPE_DOMAIN[code]).label,
            "phases": [table[code].get(p, 0) for p in phases],
            "total": sum(table[code].values()),
        }
        for code in ContributionType.values
        if code in table
    ]
    recent = selectors.recent_approved_contributions(project, limit=PROJECT_PAGE_RECENT)
    return {
        "project": project,
        "phases": [p.label for p in phases],
        "rows": rows,
        "total": sum(r["total"] for r in rows),
        "synthetic": stats.synthetic_contributions,
        "updated_at": stats.updated_at,
        "recent": recent,
        "recent_limit": PROJECT_PAGE_RECENT,
    }


@register.inclusion_tag("contributions/_work_by_source.html")
def work_by_source_table(contributions) -> dict:
    """Credited work split by where each number comes from (logged or imported entries versus
    repository histories), for the project page and the contributor profile."""
    from contributions.selectors import work_by_source

    return {"work": work_by_source(contributions)}
