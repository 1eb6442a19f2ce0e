"""FilterSets of the registry, used by BOTH the HTML list pages and the API viewsets, so a filter
that works in the browser works in the API under the same name."""

import django_filters as filters
from django.db.models import Q

from core.filters import IdFilter, SearchFilterSet
from projects.choices import (
    ARTIFACT_KIND_DOMAIN,
    ArtifactDomain,
    ArtifactKind,
    Continent,
    DerivationRelation,
    FactSource,
    GovernanceModel,
    LicenceKind,
    ListingStatus,
    Motivation,
    OrganisationKind,
    ResourceLevel,
)
from projects.models import Artifact, Language, Licence, Organisation, Project


class ProjectFilterSet(SearchFilterSet):
    search_fields = ("name", "slug", "summary")
    governance_model = filters.MultipleChoiceFilter(choices=GovernanceModel.choices)
    governance_confirmed = filters.BooleanFilter()
    listing_status = filters.MultipleChoiceFilter(choices=ListingStatus.choices)
    in_study = filters.BooleanFilter()
    country = filters.CharFilter(field_name="countries__code", label="Country (ISO code)")
    continent = filters.ChoiceFilter(
        field_name="countries__continent", choices=Continent.choices, label="Continent"
    )
    language = filters.CharFilter(field_name="languages__code", label="Language (ISO 639-3)")
    organisation = filters.CharFilter(field_name="organisations__slug", label="Organisation (slug)")
    organisation_id = IdFilter(field_name="organisations__id")
    licence = filters.CharFilter(
        field_name="artifacts__licence__identifier", label="Licence of an artifact"
    )
    contribution_agreement = filters.CharFilter()
    motivation = filters.MultipleChoiceFilter(
        choices=Motivation.choices, method="filter_motivation", label="Motivation"
    )
    source = filters.MultipleChoiceFilter(choices=FactSource.choices)
    ordering = filters.OrderingFilter(
        fields=(("name", "name"), ("created_at", "created"), ("governance_model", "governance"))
    )

    class Meta:
        model = Project
        fields = ()

    def filter_motivation(self, queryset, name, value):
        # `motivations` is a JSON list of codes; a quoted code matches one whole element on every
        # database (JSON `contains` on lists is PostgreSQL-only). Any of the chosen motivations.
        condition = Q()
        for code in value:
            condition |= Q(motivations__icontains=f'"{code}"')
        return queryset.filter(condition)

    @property
    def qs(self):
        # Joins through to-many relations can repeat a project; each appears once.
        return super().qs.distinct()


class OrganisationFilterSet(SearchFilterSet):
    search_fields = ("name", "slug")
    kind = filters.MultipleChoiceFilter(choices=OrganisationKind.choices)
    country = filters.CharFilter(field_name="country__code")
    continent = filters.ChoiceFilter(
        field_name="country__continent", choices=Continent.choices, label="Continent"
    )
    ordering = filters.OrderingFilter(fields=(("name", "name"),))

    class Meta:
        model = Organisation
        fields = ()


def _kinds_in_domain(domain: str) -> list[str]:
    return [kind for kind, d in ARTIFACT_KIND_DOMAIN.items() if d == domain]


class ArtifactFilterSet(SearchFilterSet):
    search_fields = ("name", "slug", "version")
    project = filters.CharFilter(field_name="project__slug", label="Project (slug)")
    project_id = IdFilter(field_name="project_id")
    kind = filters.MultipleChoiceFilter(choices=ArtifactKind.choices)
    # Method filters and lookups across relations get explicit labels: django-filter derives the
    # rest from model fields, and a method filter has none ("[invalid name]").
    domain = filters.ChoiceFilter(
        choices=ArtifactDomain.choices, method="filter_domain", label="Domain"
    )
    licence = filters.CharFilter(field_name="licence__identifier")
    language = filters.CharFilter(field_name="languages__code")
    derived_from = filters.CharFilter(field_name="derived_from__slug")
    derivation_relation = filters.MultipleChoiceFilter(choices=DerivationRelation.choices)
    governance_model = filters.MultipleChoiceFilter(
        field_name="project__governance_model", choices=GovernanceModel.choices
    )
    released_after = filters.DateFilter(field_name="release_date", lookup_expr="gte")
    released_before = filters.DateFilter(field_name="release_date", lookup_expr="lte")
    source = filters.MultipleChoiceFilter(choices=FactSource.choices)
    ordering = filters.OrderingFilter(
        fields=(("name", "name"), ("release_date", "release_date"), ("created_at", "created"))
    )

    class Meta:
        model = Artifact
        fields = ()

    def filter_domain(self, queryset, name, value):
        return queryset.filter(kind__in=_kinds_in_domain(value))

    @property
    def qs(self):
        return super().qs.distinct()


class LicenceFilterSet(SearchFilterSet):
    search_fields = ("identifier", "name")
    kind = filters.MultipleChoiceFilter(choices=LicenceKind.choices)
    osi_approved = filters.BooleanFilter()
    fsf_libre = filters.BooleanFilter()
    is_spdx = filters.BooleanFilter()
    restricts_use = filters.BooleanFilter()
    deprecated = filters.BooleanFilter()
    ordering = filters.OrderingFilter(fields=(("identifier", "identifier"),))

    class Meta:
        model = Licence
        fields = ()


class LanguageFilterSet(SearchFilterSet):
    search_fields = ("code", "name")
    resource_level = filters.MultipleChoiceFilter(choices=ResourceLevel.choices)
    ordering = filters.OrderingFilter(fields=(("name", "name"), ("code", "code")))

    class Meta:
        model = Language
        fields = ()
