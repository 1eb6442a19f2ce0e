"""The openness overview in the API: every visible model release with its MOF class under both
readings and the third-party assessments' summaries, filtered as the page filters
(projects.filters_openness). `urlpatterns` are relative to /api/v1/."""

from django.urls import path
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import generics, serializers

from projects.filters_openness import OpennessFilterSet
from projects.models import Artifact, ArtifactOpenness, Project
from projects.models.openness import Assessor
from projects.openness_verdicts import openness_overview


class AssessmentSummarySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    assessor = serializers.ChoiceField(Assessor.choices)
    model_name = serializers.CharField()
    score = serializers.FloatField(help_text="Open 1, partial 0.5, closed 0, summed.")
    ratings = serializers.DictField(
        child=serializers.CharField(allow_blank=True),
        help_text="Their rating per dimension, as the assessment names it.",
    )
    disagreements = serializers.ListField(
        child=serializers.CharField(),
        help_text="Dimensions where their rating differs from the platform's.",
    )


class OpennessVerdictSerializer(serializers.ModelSerializer):
    # Plain numbers, not enums: the two readings share one scale (and one enum would be named
    # twice in the schema).
    reference_class = serializers.IntegerField(
        min_value=0, max_value=3, help_text="0 unclassified, else MOF Class 1-3 (III = 3)."
    )
    strict_class = serializers.IntegerField(
        min_value=0, max_value=3, help_text="0 unclassified, else MOF Class 1-3 (III = 3)."
    )
    reference_progress = serializers.DictField(
        child=serializers.FloatField(), help_text="Percent per class ('1', '2', '3')."
    )
    strict_progress = serializers.DictField(
        child=serializers.FloatField(), help_text="Percent per class ('1', '2', '3')."
    )
    assessments = AssessmentSummarySerializer(many=True)

    class Meta:
        model = ArtifactOpenness
        fields = [
            "reference_class",
            "strict_class",
            "reference_progress",
            "strict_progress",
            "classes_differ",
            "disagrees_with_index",
            "component_count",
            "assessments",
            "computed_at",
        ]
        read_only_fields = fields


class OverviewProjectSerializer(serializers.ModelSerializer):
    class Meta:
        model = Project
        fields = ["slug", "name", "governance_model", "governance_confirmed"]
        read_only_fields = fields


class OpennessOverviewSerializer(serializers.ModelSerializer):
    project = OverviewProjectSerializer(read_only=True)
    licence = serializers.SerializerMethodField()
    openness = OpennessVerdictSerializer(
        read_only=True, allow_null=True, help_text="Null until the verdicts are computed."
    )

    class Meta:
        model = Artifact
        fields = ["slug", "name", "version", "project", "licence", "openness"]
        read_only_fields = fields

    @extend_schema_field(OpenApiTypes.STR)
    def get_licence(self, artifact: Artifact) -> str:
        """The distribution licence as given (an SPDX id only when the source wrote one)."""
        return artifact.licence_text or (artifact.licence.identifier if artifact.licence else "")


@extend_schema(
    summary="Openness of model releases",
    description=(
        "Every visible model release with its Model Openness Framework class under the Model "
        "Openness Tool's rules and under the strict reading (a licence fit for each "
        "component's type), and the Open Source AI Index assessments with the dimensions where "
        "they disagree with the platform. Filters as on the overview page."
    ),
    tags=["openness"],
)
class OpennessOverviewList(generics.ListAPIView):
    serializer_class = OpennessOverviewSerializer
    filterset_class = OpennessFilterSet

    def get_queryset(self):
        return openness_overview(self.request.user)


urlpatterns = [
    path("openness/", OpennessOverviewList.as_view(), name="openness-overview"),
]
