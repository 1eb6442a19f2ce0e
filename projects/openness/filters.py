"""The filters of the openness overview, used by BOTH its page and its API endpoint, so a filter
that works in the browser works in the API under the same name."""

import django_filters as filters
from django.db.models import Q, QuerySet

from projects.choices import GovernanceModel
from projects.models import Artifact
from projects.models.openness import MOF_CLASSES

CLASS_CHOICES = [(str(value), label) for value, label in MOF_CLASSES]
DISAGREEMENT_CHOICES = [
    ("readings", "The two MOF readings give different classes"),
    ("index", "A third-party assessment disagrees on a dimension"),
    ("any", "Either of the two"),
    ("none", "Neither"),
]


class OpennessFilterSet(filters.FilterSet):
    q = filters.CharFilter(method="search", label="Model name")
    reference_class = filters.ChoiceFilter(
        field_name="openness__reference_class",
        choices=CLASS_CHOICES,
        label="Class (Model Openness Tool)",
    )
    strict_class = filters.ChoiceFilter(
        field_name="openness__strict_class", choices=CLASS_CHOICES, label="Class (strict reading)"
    )
    licence = filters.CharFilter(
        method="by_licence", label="Licence", help_text="The distribution licence, as given."
    )
    governance_model = filters.ChoiceFilter(
        field_name="project__governance_model",
        choices=GovernanceModel.choices,
        label="Governance model",
    )
    disagreement = filters.ChoiceFilter(
        method="by_disagreement", choices=DISAGREEMENT_CHOICES, label="Disagreement"
    )

    class Meta:
        model = Artifact
        fields: list[str] = []

    def search(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.filter(Q(name__icontains=value) | Q(project__name__icontains=value))

    def by_licence(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        value = value.strip()
        return queryset.filter(Q(licence__identifier__iexact=value) | Q(licence_text__iexact=value))

    def by_disagreement(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        readings = Q(openness__classes_differ=True)
        index = Q(openness__disagrees_with_index=True)
        return queryset.filter(
            {
                "readings": readings,
                "index": index,
                "any": readings | index,
                "none": Q(openness__isnull=False) & ~readings & ~index,
            }[value]
        )
