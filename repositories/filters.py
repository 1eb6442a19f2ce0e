"""The FilterSet of repository sources, shared by the API (the web lists one project's)."""

import django_filters as filters

from core.filters import IdFilter, SearchFilterSet
from repositories.choices import RepositoryHost, RepositoryKind
from repositories.models import RepositorySource


class RepositorySourceFilterSet(SearchFilterSet):
    search_fields = ("url", "project__name")
    project = filters.CharFilter(field_name="project__slug", label="Project (slug)")
    project_id = IdFilter(field_name="project_id")
    host = filters.MultipleChoiceFilter(choices=RepositoryHost.choices)
    kind = filters.MultipleChoiceFilter(choices=RepositoryKind.choices)
    added_by = filters.CharFilter(field_name="added_by__username", label="Added by (username)")
    ordering = filters.OrderingFilter(
        fields=(("created_at", "created"), ("last_synced_at", "synced"), ("url", "url"))
    )

    class Meta:
        model = RepositorySource
        fields = ()
