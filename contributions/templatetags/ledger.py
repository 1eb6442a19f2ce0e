"""Template helpers of the ledger: safe Markdown, status badges, and the ledger's part of the
project page.

The project page is a registry view (projects/views.py) and the registry never imports the
ledger; the page's contributions section is composed here, above both apps, and pulled in by the
template with `{% load ledger %}{% project_contributions project %}`.
"""

from django import template
from django.db.models import Count, Q
from django.utils.safestring import SafeString

from contributions import permissions
from contributions.choices import (
    TYPE_DOMAIN,
    ContributionDomain,
    ContributionSource,
    ContributionStatus,
    ContributionType,
    LifecyclePhase,
)
from contributions.markdown import render_markdown
from contributions.models import Contribution

register = template.Library()

PROJECT_PAGE_RECENT = 25


@register.filter(name="markdown")
def markdown_filter(text: str) -> SafeString:
    return render_markdown(text or "")


@register.filter(name="has_public_profile")
def has_public_profile_filter(contributor) -> bool:
    """`{% if contributor|has_public_profile %}`: contributions.permissions' visibility rule."""
    return permissions.has_public_profile(contributor)


@register.inclusion_tag("contributions/_status.html")
def status_badge(status: str) -> dict:
    return {"status": status, "label": ContributionStatus(status).label}


@register.inclusion_tag("contributions/_project_contributions.html")
def project_contributions(project) -> dict:
    """Approved contributions of a project: counts by type and phase (one grouped query) and the
    most recent entries; the full list is the filtered contribution list."""
    approved = Contribution.objects.filter(project=project, status=ContributionStatus.APPROVED)
    counts = (
        approved.values("type", "phase")
        .annotate(
            n=Count("id"), synthetic=Count("id", filter=Q(source=ContributionSource.SYNTHETIC))
        )
        .order_by()
    )
    phases = list(LifecyclePhase)
    by_type: dict[str, dict[str, int]] = {}
    for row in counts:
        by_type.setdefault(row["type"], dict.fromkeys(phases, 0))[row["phase"]] += row["n"]
    rows = [
        {
            "type": ContributionType(code).label,
            "domain": ContributionDomain(TYPE_DOMAIN[code]).label,
            "phases": [per_phase[p] for p in phases],
            "total": sum(per_phase.values()),
        }
        for code, per_phase in sorted(
            by_type.items(), key=lambda item: list(ContributionType.values).index(item[0])
        )
    ]
    recent = (
        approved.select_related("contributor", "artifact")
        .prefetch_related("languages")
        .order_by("-moderated_at", "-id")[:PROJECT_PAGE_RECENT]
    )
    return {
        "project": project,
        "phases": [p.label for p in phases],
        "rows": rows,
        "total": sum(r["total"] for r in rows),
        "synthetic": sum(row["synthetic"] for row in counts),
        "recent": recent,
        "recent_limit": PROJECT_PAGE_RECENT,
    }
