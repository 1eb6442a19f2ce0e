"""Reads about repository sources and the work read from them."""

from __future__ import annotations

from django.db.models import Prefetch, QuerySet

from contributions.choices import ContributionSource
from contributions.models import Contribution
from projects.selectors import projects_visible_to
from repositories.models import RepositorySource, RepositorySync


def sources_visible_to(user) -> QuerySet[RepositorySource]:
    """Sources of the projects `user` may see, each with its latest sync prefetched."""
    return (
        RepositorySource.objects.filter(project__in=projects_visible_to(user))
        .select_related("project")
        .prefetch_related(
            Prefetch(
                "syncs",
                queryset=RepositorySync.objects.order_by("-created_at", "-id"),
                to_attr="recent_syncs",
            )
        )
        .order_by("project__name", "url", "id")
    )


def cells_of_source(source: RepositorySource) -> QuerySet[Contribution]:
    return Contribution.objects.filter(
        project_id=source.project_id,
        source=ContributionSource.REPOSITORY,
        external_id__startswith=f"repo:{source.pk}:",
    )
