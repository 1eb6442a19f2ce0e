"""Reads of the registry, with their joins applied, and what a user may see."""

from django.db.models import Count, Prefetch, Q, QuerySet

from projects.choices import ListingStatus
from projects.models import Artifact, Maintainership, Project, ProjectOrganisation

PUBLIC_LISTING = (ListingStatus.LISTED, ListingStatus.ARCHIVED)


def projects_visible_to(user) -> QuerySet[Project]:
    qs = Project.objects.all()
    if not user.is_authenticated:
        return qs.filter(listing_status__in=PUBLIC_LISTING)
    if user.is_staff:
        return qs
    return qs.filter(
        Q(listing_status__in=PUBLIC_LISTING) | Q(proposed_by=user) | Q(maintainerships__user=user)
    ).distinct()


def project_list(user) -> QuerySet[Project]:
    return (
        projects_visible_to(user)
        .prefetch_related(
            "countries",
            "languages",
            Prefetch(
                "organisation_roles",
                queryset=ProjectOrganisation.objects.select_related("organisation"),
            ),
        )
        .annotate(artifact_count=Count("artifacts", distinct=True))
        .order_by("name", "id")
    )


def project_detail_queryset(user) -> QuerySet[Project]:
    return projects_visible_to(user).prefetch_related(
        "countries",
        "languages",
        Prefetch(
            "organisation_roles",
            queryset=ProjectOrganisation.objects.select_related("organisation__country"),
        ),
        Prefetch(
            "artifacts",
            queryset=Artifact.objects.select_related("licence", "derived_from").prefetch_related(
                "languages"
            ),
        ),
        Prefetch("maintainerships", queryset=Maintainership.objects.select_related("user")),
    )


def artifacts_visible_to(user) -> QuerySet[Artifact]:
    return (
        Artifact.objects.filter(project__in=projects_visible_to(user))
        .select_related("project", "licence", "derived_from")
        .prefetch_related("languages")
        .order_by("project__name", "name", "id")
    )


def artifact_lineage(artifact: Artifact) -> list[Artifact]:
    """Ancestors from the artifact's direct parent up to the root (cycles cannot exist: a row
    cannot point at itself, and services refuse a parent that descends from the child)."""
    chain: list[Artifact] = []
    seen = {artifact.pk}
    current = artifact.derived_from
    while current is not None and current.pk not in seen:
        chain.append(current)
        seen.add(current.pk)
        current = current.derived_from
    return chain
