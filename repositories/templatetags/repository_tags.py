"""The repository part of the project page, composed here (above the registry and the ledger):
`{% load repository_tags %}{% project_repository_work project %}`. It reads the sources' own
rollups and the project's statistics rollup, never the ledger itself."""

from django import template

from contributions.models import ProjectStatsSummary
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
        "summary": ProjectStatsSummary.objects.filter(project=project).first(),
        "can_manage": user is not None and permissions.can_manage_sources(user, project),
    }
