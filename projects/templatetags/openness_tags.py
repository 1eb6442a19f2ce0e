"""`{% artifact_assessments artifact %}`: a model artifact's two MOF readings beside the
third-party assessments, so any page can show them without its view computing anything."""

from django import template

from projects.openness.selectors import openness_panel

register = template.Library()


@register.inclusion_tag("projects/_assessments.html")
def artifact_assessments(artifact):
    return {"panel": openness_panel(artifact)}


@register.filter
def percent(value) -> str:
    """Progress as the tool shows it: whole numbers plain, others to one decimal."""
    value = float(value or 0)
    return f"{value:.0f}%" if value.is_integer() else f"{value:.1f}%"


@register.filter
def roman(value) -> str:
    return {0: "Unclassified", 1: "Class I", 2: "Class II", 3: "Class III"}.get(value, "-")


@register.filter
def get_item(mapping, key):
    return (mapping or {}).get(str(key)) if hasattr(mapping, "get") else None


_ASSESSOR_SHORT = {"osai_index": "OSAI Index", "opening_up_chatgpt": "Opening up ChatGPT"}


@register.filter
def assessor_short(value: str) -> str:
    return _ASSESSOR_SHORT.get(value, value)
