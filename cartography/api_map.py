"""The map as data: `/api/v1/map/`, the numbers behind every chart of the home page and the
governance view, read from the registry and the rollups exactly as the pages read them. Shares
are fractions from 0 to 1, as in `/api/v1/stats/`.

Paths are relative to /api/v1/; include `urlpatterns` in `cartography/api.py`.
"""

from __future__ import annotations

from django.urls import path
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from cartography import selectors


class MapCountrySerializer(serializers.Serializer):
    code = serializers.CharField(help_text="ISO 3166-1 alpha-2.")
    name = serializers.CharField()
    projects = serializers.IntegerField(help_text="Listed projects based in the country.")
    contributions = serializers.IntegerField(
        help_text="Approved contributions to the projects based in the country (a project in "
        "several countries counts in each)."
    )


class MapGovernanceProjectSerializer(serializers.Serializer):
    slug = serializers.SlugField()
    name = serializers.CharField()
    governance_confirmed = serializers.BooleanField(
        help_text="False while the governance model is an inference."
    )
    contributions = serializers.IntegerField()
    non_code_share = serializers.FloatField(
        allow_null=True, help_text="Share of its approved contributions that are not code (0 to 1)."
    )
    absence_factor = serializers.IntegerField(allow_null=True)
    elephant_factor = serializers.IntegerField(allow_null=True)


class MapGovernanceModelSerializer(serializers.Serializer):
    key = serializers.CharField()
    label = serializers.CharField()
    contributions = serializers.IntegerField()
    contributors = serializers.IntegerField()
    non_code_share = serializers.FloatField(
        allow_null=True,
        help_text="Share of the model's approved contributions that are not code (0 to 1); "
        "the same number as `by_governance_model[].non_code_share` in /api/v1/stats/.",
    )
    median_absence_factor = serializers.FloatField(allow_null=True)
    median_elephant_factor = serializers.FloatField(allow_null=True)
    phase_mix = serializers.DictField(child=serializers.IntegerField())
    projects = MapGovernanceProjectSerializer(many=True)


class MapPhaseSerializer(serializers.Serializer):
    key = serializers.CharField()
    label = serializers.CharField()
    contributions = serializers.IntegerField(help_text="Approved contributions.")


class MapDomainSerializer(MapPhaseSerializer):
    artifacts = serializers.IntegerField(
        allow_null=True, help_text="Artifacts in the domain; null on the no-artifact row."
    )


class MapLanguageSerializer(serializers.Serializer):
    code = serializers.CharField(help_text="ISO 639-3.")
    name = serializers.CharField()
    projects = serializers.IntegerField(help_text="Listed projects targeting the language.")
    contributions = serializers.IntegerField(help_text="Approved contributions serving it.")
    underrepresented = serializers.BooleanField()


class MapTotalsSerializer(serializers.Serializer):
    projects = serializers.IntegerField(help_text="Listed (and archived) projects.")
    countries = serializers.IntegerField(help_text="Countries with at least one project.")
    contributions = serializers.IntegerField(help_text="Approved contributions.")
    contributors = serializers.IntegerField()
    synthetic = serializers.IntegerField(help_text="How many contributions are demo data.")
    non_code = serializers.IntegerField()
    code = serializers.IntegerField()
    non_code_share = serializers.FloatField(
        allow_null=True,
        help_text="Share of approved contributions that are not code (0 to 1); the same number "
        "as `totals.non_code_share` in /api/v1/stats/.",
    )


class MapSerializer(serializers.Serializer):
    updated_at = serializers.DateTimeField(
        allow_null=True, help_text="When the statistics were computed; null before the first run."
    )
    totals = MapTotalsSerializer()
    countries = MapCountrySerializer(many=True)
    governance_models = MapGovernanceModelSerializer(many=True)
    phases = MapPhaseSerializer(many=True)
    artifact_domains = MapDomainSerializer(many=True)
    languages = MapLanguageSerializer(many=True)


def map_payload() -> dict:
    data = selectors.map_overview()
    governance = []
    for group in data["governance"]:
        governance.append(
            {
                "key": group.model,
                "label": group.label,
                "contributions": group.contributions,
                "contributors": group.contributors,
                "non_code_share": group.non_code_share,
                "median_absence_factor": group.median_absence_factor,
                "median_elephant_factor": group.median_elephant_factor,
                "phase_mix": {key: n for key, _, n in group.phase_rows},
                "projects": [
                    {
                        "slug": p.slug,
                        "name": p.name,
                        "governance_confirmed": p.governance_confirmed,
                        "contributions": p.stats.contributions,
                        "non_code_share": p.stats.non_code_share,
                        # Undefined without an approved contribution, as on the pages: a
                        # project whose work was all removed reads like one never counted.
                        "absence_factor": p.stats.absence_factor if p.stats.contributions else None,
                        "elephant_factor": p.stats.elephant_factor,
                    }
                    for p in group.projects
                ],
            }
        )
    return {
        "updated_at": data["computed_at"],
        "totals": data["totals"],
        "countries": data["country_rows"],
        "governance_models": governance,
        "phases": data["phases"],
        "artifact_domains": data["domains"],
        "languages": [
            {k: row[k] for k in ("code", "name", "projects", "contributions", "underrepresented")}
            for row in data["languages"]
        ],
    }


class MapView(APIView):
    """The public map: projects and approved contributions by country, the governance models
    with their projects and contribution patterns, phases, artifact domains and languages."""

    permission_classes = [AllowAny]

    @extend_schema(responses=MapSerializer, tags=["stats"])
    def get(self, request: Request) -> Response:
        return Response(MapSerializer(map_payload()).data)


urlpatterns = [path("map/", MapView.as_view(), name="map")]
