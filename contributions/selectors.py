"""Reads of the ledger with their joins applied, and what each caller may see."""

from django.db.models import Count, Q, QuerySet, Sum

from contributions.choices import CODE_TYPES, ContributionSource, ContributionStatus
from contributions.models import Contribution, Contributor, ModerationEvent
from contributions.permissions import PUBLIC_PROFILE
from projects.models import Maintainership


def _maintained_project_ids(user) -> QuerySet:
    return Maintainership.objects.filter(user=user).values("project_id")


def contributions_visible_to(user) -> QuerySet[Contribution]:
    """Approved entries for everyone; the caller's own entries, their projects' entries (as
    maintainer) and everything (as staff) besides.

    The caller's people and projects are subqueries, not joins: a join can repeat an entry, and
    the DISTINCT that removes the repeats sorts every visible row of the ledger before the first
    page can be cut (5 s at 1M entries); a subquery repeats nothing and lets an index give the
    page in order."""
    qs = Contribution.objects.all()
    if not user.is_authenticated:
        return qs.filter(status=ContributionStatus.APPROVED)
    if user.is_staff:
        return qs
    return qs.filter(
        Q(status=ContributionStatus.APPROVED)
        | Q(contributor_id__in=Contributor.objects.filter(user=user).values("pk"))
        | Q(project_id__in=_maintained_project_ids(user))
    )


def contributions_moderated_by(user) -> QuerySet[Contribution]:
    """The entries `user` moderates: of the projects they maintain (every project for staff),
    always within what they may see (`contributions_visible_to`), so that nothing answered about
    these entries tells more than their pages would."""
    qs = contributions_visible_to(user)
    if not user.is_authenticated:
        return qs.none()
    if user.is_staff:
        return qs
    return qs.filter(project_id__in=_maintained_project_ids(user))


def contribution_list(user) -> QuerySet[Contribution]:
    return (
        contributions_visible_to(user)
        .select_related("project", "artifact", "contributor", "affiliation")
        .prefetch_related("languages")
        .order_by("-created_at", "-id")
    )


def contribution_detail_queryset(user) -> QuerySet[Contribution]:
    return contribution_list(user).select_related("moderated_by", "contributor__user")


def contribution_history(contribution: Contribution) -> QuerySet[ModerationEvent]:
    return contribution.events.select_related("actor").order_by("at", "id")


def moderation_queue(user) -> QuerySet[Contribution]:
    """Pending entries of the projects the user maintains (all projects for staff), oldest first."""
    qs = Contribution.objects.filter(status=ContributionStatus.PENDING)
    if not user.is_staff:
        qs = qs.filter(project_id__in=_maintained_project_ids(user))
    return (
        qs.exclude(contributor__user=user)
        .select_related("project", "artifact", "contributor")
        .prefetch_related("languages")
        .order_by("created_at", "id")
    )


def _contributors() -> QuerySet[Contributor]:
    return (
        Contributor.objects.select_related("affiliation", "country", "user")
        .prefetch_related("languages")
        .order_by("display_name", "id")
    )


def public_contributors() -> QuerySet[Contributor]:
    """The contributors whose profile is shown (permissions.PUBLIC_PROFILE): the lists."""
    return _contributors().filter(**PUBLIC_PROFILE)


def contributors_visible_to(user) -> QuerySet[Contributor]:
    """The profiles a caller may open: the public ones; their own and (staff) every one besides.
    The queryset form of permissions.can_view_contributor."""
    qs = _contributors()
    if user.is_authenticated and user.is_staff:
        return qs
    visible = Q(**PUBLIC_PROFILE)
    if user.is_authenticated:
        visible |= Q(user=user)
    return qs.filter(visible)


def contributor_credits(contributor: Contributor) -> QuerySet[Contribution]:
    """A contributor's approved entries, as their profile page lists them (newest work first)."""
    return (
        Contribution.objects.filter(contributor=contributor, status=ContributionStatus.APPROVED)
        .select_related("project", "artifact", "contributor")
        .order_by("-occurred_on", "-id")
    )


def recent_approved_contributions(project, *, limit: int) -> list[Contribution]:
    """A project's most recently approved entries: a bounded list for its page, not a statistic
    (the counts come from the rollups)."""
    return list(
        Contribution.objects.filter(project=project, status=ContributionStatus.APPROVED)
        .select_related("contributor", "artifact")
        .prefetch_related("languages")
        .order_by("-moderated_at", "-id")[:limit]
    )


def work_by_source(contributions: QuerySet[Contribution]) -> dict:
    """Credited work split by where each number comes from (the entries' source: the web form,
    the API, an import, a repository's history, generated demo data), with the commits and lines
    behind repository entries and the non-code share computed over all of them, in entries (the
    unit every source shares). For one contributor's work; projects read their rollup."""
    labels = dict(ContributionSource.choices)
    rows = []
    for row in (
        contributions.filter(status=ContributionStatus.APPROVED)
        .values("source")
        .annotate(
            entries=Count("id"),
            non_code=Count("id", filter=~Q(type__in=CODE_TYPES)),
            commits=Sum("quantity", filter=Q(source=ContributionSource.REPOSITORY)),
            lines_added=Sum("lines_added"),
            lines_removed=Sum("lines_removed"),
        )
        .order_by("-entries", "source")
    ):
        repository = row["source"] == ContributionSource.REPOSITORY
        rows.append(
            {
                "key": row["source"],
                "label": labels.get(row["source"], row["source"]),
                "entries": row["entries"],
                "non_code": row["non_code"],
                "non_code_share": round(row["non_code"] / row["entries"], 4),
                "repository": repository,
                "commits": int(row["commits"] or 0),
                "lines_added": (row["lines_added"] or 0) if repository else 0,
                "lines_removed": (row["lines_removed"] or 0) if repository else 0,
            }
        )
    entries = sum(row["entries"] for row in rows)
    non_code = sum(row["non_code"] for row in rows)
    return {
        "rows": rows,
        "entries": entries,
        "non_code": non_code,
        "non_code_share": round(non_code / entries, 4) if entries else None,
    }
