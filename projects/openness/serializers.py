"""The openness overview's API representation: a model release with its cached verdicts (both
MOF readings) and the third-party assessments' summaries."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from projects.models import Artifact, Project
from projects.models.openness import ArtifactOpenness, Assessor


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
