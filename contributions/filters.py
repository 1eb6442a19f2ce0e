"""FilterSets of the ledger, shared by the HTML lists and the API (same names in both)."""

import django_filters as filters
from django import forms
from django.db.models import Q

from contributions.choices import (
    Compensation,
    ContributionDomain,
    ContributionSource,
    ContributionStatus,
    ContributionType,
    LifecyclePhase,
    VerificationKind,
    types_in_domain,
)
from contributions.models import Contribution, Contributor
from core.filters import IdFilter, SearchFilterSet
from projects.choices import Continent, GovernanceModel


class ContributionFilterSet(SearchFilterSet):
    search_fields = ("title", "description", "contributor__display_name")
    project = filters.CharFilter(field_name="project__slug", label="Project (slug)")
    project_id = IdFilter(field_name="project_id")
    artifact = filters.CharFilter(field_name="artifact__slug", label="Artifact (slug)")
    type = filters.MultipleChoiceFilter(choices=ContributionType.choices)
    # Method filters get explicit labels: django-filter derives labels from model fields, and a
    # method filter has none ("[invalid name]").
    domain = filters.ChoiceFilter(
        choices=ContributionDomain.choices, method="filter_domain", label="Domain"
    )
    phase = filters.MultipleChoiceFilter(choices=LifecyclePhase.choices)
    # Filters within what the caller may see: the queryset is already limited by the selector.
    status = filters.MultipleChoiceFilter(choices=ContributionStatus.choices)
    compensation = filters.MultipleChoiceFilter(choices=Compensation.choices)
    source = filters.MultipleChoiceFilter(choices=ContributionSource.choices)
    # The one switch that takes generated demo data out of a list (`is_synthetic=false`), named
    # as on the contributor list.
    is_synthetic = filters.BooleanFilter(
        method="filter_synthetic",
        label="Synthetic demo data",
        widget=forms.Select(
            choices=[("", "Included"), ("false", "Left out"), ("true", "Only synthetic")]
        ),
    )
    verification = filters.MultipleChoiceFilter(choices=VerificationKind.choices)
    is_hidden = filters.BooleanFilter(label="Hidden by a maintainer (repository work)")
    language = filters.CharFilter(field_name="languages__code", label="Language (ISO 639-3)")
    date_after = filters.DateFilter(field_name="occurred_on", lookup_expr="gte")
    date_before = filters.DateFilter(field_name="occurred_on", lookup_expr="lte")
    contributor = filters.CharFilter(
        field_name="contributor__user__username", label="Contributor (username)"
    )
    contributor_id = IdFilter(field_name="contributor_id")
    governance_model = filters.MultipleChoiceFilter(
        field_name="project__governance_model", choices=GovernanceModel.choices
    )
    country = filters.CharFilter(
        field_name="contributor__country__code", label="Contributor's country (ISO code)"
    )
    continent = filters.ChoiceFilter(
        field_name="contributor__country__continent",
        choices=Continent.choices,
        label="Contributor's continent",
    )
    licence = filters.CharFilter(field_name="artifact__licence__identifier")
    affiliation = filters.CharFilter(
        field_name="affiliation__slug", label="Affiliation at the time (organisation slug)"
    )
    affiliation_id = IdFilter(field_name="affiliation_id")
    ordering = filters.OrderingFilter(
        fields=(("created_at", "created"), ("occurred_on", "date"), ("title", "title"))
    )

    class Meta:
        model = Contribution
        fields = ()

    def filter_domain(self, queryset, name, value):
        return queryset.filter(type__in=types_in_domain(value))

    def filter_synthetic(self, queryset, name, value):
        if value is None:
            return queryset
        synthetic = Q(source=ContributionSource.SYNTHETIC)
        return queryset.filter(synthetic) if value else queryset.exclude(synthetic)

    @property
    def qs(self):
        qs = super().qs
        # Only the to-many language join can repeat a row.
        return qs.distinct() if self.data.get("language") else qs


class ContributorFilterSet(SearchFilterSet):
    search_fields = ("display_name", "github", "huggingface")
    country = filters.CharFilter(field_name="country__code")
    continent = filters.ChoiceFilter(
        field_name="country__continent", choices=Continent.choices, label="Continent"
    )
    affiliation = filters.CharFilter(field_name="affiliation__slug")
    language = filters.CharFilter(field_name="languages__code")
    is_synthetic = filters.BooleanFilter(label="Generated demo data")
    ordering = filters.OrderingFilter(fields=(("display_name", "name"),))

    class Meta:
        model = Contributor
        fields = ()
