"""The repository part of the project page, composed here (above the registry and the ledger):
`{% load repository_tags %}{% project_repository_work project %}`. It reads the sources' own
rollups and the project's statistics through `contributions.stats_reader`, never the ledger."""

from django import template

from contributions import stats_reader
from repositories import permissions
from repositories.models import RepositorySource

register = template.Library()


@register.inclusion_tag("repositories/_project_repository_work.html", takes_context=True)
def project_repository_work(context, project) -> dict:
    request = context.get("request")
    user = getattr(request, "user", None)
    return {
        "project": project,
        "sources": RepositorySource.objects.filter(project=project).order_by("url", "id"),
        "stats": stats_reader.project_stats(project.pk),
        "by_source": stats_reader.project_sources(project.pk),
        "can_manage": user is not None and permissions.can_manage_sources(user, project),
    }
