"""The cartography's parts of registry pages: openness verdicts, the lineage tree with the credit
that flows down it, and a project's models at a glance.

The artifact and project pages are registry views (projects/views.py), and the registry never
imports the ledger; what joins both is composed here and pulled in by the templates:

    {% load cartography_tags %}
    {% artifact_openness artifact %}   {# projects/_openness.html #}
    {% artifact_lineage artifact %}    {# projects/_lineage.html #}
    {% project_openness project %}     {# cartography/_model_openness.html #}
"""

from django import template

from cartography import selectors
from projects.openness.verdicts import openness_for
from projects.selectors import artifact_lineage as lineage_of

register = template.Library()


@register.inclusion_tag("projects/_openness.html")
def artifact_openness(artifact) -> dict:
    return {"openness": openness_for(artifact, ancestors=lineage_of(artifact))}


@register.inclusion_tag("projects/_lineage.html")
def artifact_lineage(artifact) -> dict:
    ancestors = lineage_of(artifact)
    return {
        "artifact": artifact,
        "ancestors": ancestors,
        "tree": selectors.lineage_tree(artifact, ancestors=ancestors),
        "credits": selectors.upstream_credits(ancestors),
    }


@register.inclusion_tag("cartography/_model_openness.html")
def project_openness(project) -> dict:
    return {"project": project, "models": selectors.project_model_openness(project)}


@register.filter
def created_kind_label(key: str) -> str:
    """An import report's key as words: a contribution type's label ("code_review" -> "Code
    review"), else the key with its underscores as spaces, capitalised."""
    from contributions.choices import ContributionType

    if key in ContributionType.values:
        return str(ContributionType(key).label)
    return str(key).replace("_", " ").capitalize()
