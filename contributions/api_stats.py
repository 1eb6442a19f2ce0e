"""Statistics endpoints. They read through `contributions.stats_reader`, over the rollups only
(`contributions.stats` keeps them true), so their cost does not grow with the ledger; each says
when its numbers were last computed. Shares are fractions from 0 to 1.

Paths are relative to /api/v1/; `cartography/api.py` includes `urlpatterns`.
"""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from django.urls import path
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from contributions import stats_reader
from contributions.choices import (
    ContributionDomain,
    ContributionSource,
    ContributionType,
    LifecyclePhase,
)
from projects.selectors import projects_visible_to

Dimension = stats_reader.Dimension

BREAKDOWN_FIELDS = {
    "by_governance_model": Dimension.GOVERNANCE_MODEL,
    "by_continent": Dimension.CONTINENT,
    "by_artifact_domain": Dimension.ARTIFACT_DOMAIN,
    "by_domain": Dimension.DOMAIN,
    "by_phase": Dimension.PHASE,
    "by_type": Dimension.TYPE,
    "by_compensation": Dimension.COMPENSATION,
    "by_source": Dimension.SOURCE,
}


# SERIALIZERS (output only; they document the payloads for the OpenAPI schema)
# ------------------------------------------------------------------------------
# Numbers in JSON, like every quantity the API answers (COERCE_DECIMAL_TO_STRING is off).
def _quantity() -> serializers.DecimalField:
    return serializers.DecimalField(max_digits=20, decimal_places=2)


class BreakdownRowSerializer(serializers.Serializer):
    key = serializers.CharField(help_text='The code; "unspecified" for work without a value.')
    label = serializers.CharField()
    contributions = serializers.IntegerField(help_text="Approved contributions.")
    contributors = serializers.IntegerField(help_text="Distinct contributors.")
    projects = serializers.IntegerField()
    non_code_share = serializers.FloatField(
        allow_null=True, help_text="Share of contributions that are not code (0 to 1)."
    )
    synthetic_contributions = serializers.IntegerField(
        help_text="How many of the contributions are generated demo data."
    )


class GlobalStatsSerializer(serializers.Serializer):
    updated_at = serializers.DateTimeField(
        allow_null=True, help_text="When these numbers were computed; null before the first run."
    )
    totals = BreakdownRowSerializer()
    by_governance_model = BreakdownRowSerializer(many=True)
    by_continent = BreakdownRowSerializer(
        many=True, help_text="A project in several continents counts in each."
    )
    by_artifact_domain = BreakdownRowSerializer(many=True)
    by_domain = BreakdownRowSerializer(many=True)
    by_phase = BreakdownRowSerializer(many=True)
    by_type = BreakdownRowSerializer(many=True)
    by_compensation = BreakdownRowSerializer(many=True)
    by_source = BreakdownRowSerializer(
        many=True,
        help_text="Where the numbers come from: the web form, the API, imports (credit lists, "
        "model cards), repository histories, synthetic demo data.",
    )


class TimeseriesQuerySerializer(serializers.Serializer):
    project = serializers.SlugField(required=False, help_text="A project's slug.")
    type = serializers.ChoiceField(choices=ContributionType.choices, required=False)
    domain = serializers.ChoiceField(choices=ContributionDomain.choices, required=False)
    phase = serializers.ChoiceField(choices=LifecyclePhase.choices, required=False)


class TimeseriesPointSerializer(serializers.Serializer):
    month = serializers.CharField(help_text="YYYY-MM.")
    contributions = serializers.IntegerField()
    quantities = serializers.DictField(child=_quantity(), help_text="Quantity sums by unit.")


class TimeseriesSerializer(serializers.Serializer):
    updated_at = serializers.DateTimeField(allow_null=True)
    filters = serializers.DictField(child=serializers.CharField())
    results = TimeseriesPointSerializer(many=True)


class LanguageServedSerializer(serializers.Serializer):
    code = serializers.CharField(help_text="ISO 639-3.")
    name = serializers.CharField()
    contributions = serializers.IntegerField()
    underrepresented = serializers.BooleanField(help_text="Low or unknown resource level.")


class SourceRowSerializer(serializers.Serializer):
    key = serializers.ChoiceField(
        choices=ContributionSource.choices, help_text="The entries' source."
    )
    label = serializers.CharField()
    contributions = serializers.IntegerField(help_text="Approved contributions from this source.")
    contributors = serializers.IntegerField(help_text="Distinct contributors.")
    non_code_contributions = serializers.IntegerField()
    non_code_share = serializers.FloatField(
        allow_null=True, help_text="Share of this source's contributions that are not code."
    )
    commits = serializers.IntegerField(help_text="Commits behind the entries (repository only).")
    lines_added = serializers.IntegerField()
    lines_removed = serializers.IntegerField()


class ProjectStatsSerializer(serializers.Serializer):
    project = serializers.SlugField()
    updated_at = serializers.DateTimeField(allow_null=True)
    contributions = serializers.IntegerField(help_text="Approved contributions.")
    contributors = serializers.IntegerField()
    non_code_contributions = serializers.IntegerField()
    non_code_share = serializers.FloatField(
        allow_null=True, help_text="Share of contributions that are not code (0 to 1)."
    )
    synthetic_contributions = serializers.IntegerField(
        help_text="How many of the contributions are generated demo data."
    )
    active_30 = serializers.IntegerField(help_text="Contributors active in the last 30 days.")
    active_90 = serializers.IntegerField(help_text="Contributors active in the last 90 days.")
    absence_factor = serializers.IntegerField(help_text="CHAOSS Contributor Absence Factor.")
    absence_factor_by_type = serializers.DictField(child=serializers.IntegerField())
    elephant_factor = serializers.IntegerField(
        allow_null=True, help_text="CHAOSS Elephant Factor over affiliated contributions."
    )
    affiliated_contributions = serializers.IntegerField()
    organisations = serializers.IntegerField(help_text="Distinct affiliations.")
    language_tagged_contributions = serializers.IntegerField()
    underrepresented_language_contributions = serializers.IntegerField()
    underrepresented_language_share = serializers.FloatField(
        allow_null=True,
        help_text="Of the contributions naming a language, the share serving an "
        "underrepresented one (0 to 1).",
    )
    by_type = serializers.DictField(child=serializers.IntegerField())
    by_domain = serializers.DictField(child=serializers.IntegerField())
    by_phase = serializers.DictField(child=serializers.IntegerField())
    by_compensation = serializers.DictField(child=serializers.IntegerField())
    by_artifact_domain = serializers.DictField(child=serializers.IntegerField())
    new_contributors_by_month = serializers.DictField(child=serializers.IntegerField())
    languages = LanguageServedSerializer(many=True)
    quantities = serializers.DictField(child=_quantity(), help_text="Quantity sums by unit.")
    by_source = SourceRowSerializer(
        many=True,
        help_text="The same approved work by where it comes from; `contributions` and "
        "`non_code_share` above are computed over all of them together.",
    )


# VIEWS
# ------------------------------------------------------------------------------
class GlobalStatsView(APIView):
    permission_classes = [AllowAny]

    @extend_schema(
        operation_id="stats_global",
        summary="Statistics over every project, with breakdowns",
        responses=GlobalStatsSerializer,
        tags=["statistics"],
    )
    def get(self, request: Request) -> Response:
        breakdowns = stats_reader.global_breakdowns()
        payload = {
            "updated_at": breakdowns.updated_at,
            "totals": breakdowns.total.as_payload(),
            **{
                field: [row.as_payload() for row in breakdowns.of(dimension)]
                for field, dimension in BREAKDOWN_FIELDS.items()
            },
        }
        return Response(GlobalStatsSerializer(payload).data)


class TimeseriesView(APIView):
    permission_classes = [AllowAny]

    @extend_schema(
        operation_id="stats_timeseries",
        summary="Approved contributions and quantities by month",
        parameters=[TimeseriesQuerySerializer],
        responses=TimeseriesSerializer,
        tags=["statistics"],
    )
    def get(self, request: Request) -> Response:
        query = TimeseriesQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        filters = query.validated_data
        project_id = None
        if "project" in filters:
            project = projects_visible_to(request.user).filter(slug=filters["project"]).first()
            if project is None:
                raise serializers.ValidationError({"project": "No such project."})
            project_id = project.pk
        series = stats_reader.timeseries(
            project_id=project_id,
            type_=filters.get("type"),
            domain=filters.get("domain"),
            phase=filters.get("phase"),
        )
        payload = {
            "updated_at": series.updated_at,
            "filters": {key: str(value) for key, value in filters.items()},
            "results": series.points,
        }
        return Response(TimeseriesSerializer(payload).data)


class ProjectStatsView(APIView):
    permission_classes = [AllowAny]

    @extend_schema(
        operation_id="project_stats",
        summary="A project's contribution statistics and CHAOSS health metrics",
        responses=ProjectStatsSerializer,
        tags=["statistics"],
    )
    def get(self, request: Request, slug: str) -> Response:
        project = get_object_or_404(projects_visible_to(request.user), slug=slug)
        payload = {
            "project": project.slug,
            **stats_reader.project_stats(project.pk).as_payload(),
            "by_source": [row.as_payload() for row in stats_reader.project_sources(project.pk)],
        }
        return Response(ProjectStatsSerializer(payload).data)


urlpatterns = [
    path("stats/", GlobalStatsView.as_view(), name="stats-global"),
    path("stats/timeseries/", TimeseriesView.as_view(), name="stats-timeseries"),
    path("projects/<slug:slug>/stats/", ProjectStatsView.as_view(), name="project-stats"),
]
