"""API representations of the registry. Reads use the selectors' joins; writes are validated for
shape here and for meaning in `projects.services`, which every path shares."""

from drf_spectacular.utils import extend_schema_serializer
from rest_framework import serializers

from core.serializers import API_URL, ReadSerializer, RefuseUnknownFieldsMixin
from projects.choices import Motivation, OrganisationKind, OrganisationRole
from projects.models import (
    Artifact,
    Country,
    Language,
    Licence,
    Organisation,
    Project,
    ProjectOrganisation,
)
from projects.models.openness import ArtifactComponent
from projects.selectors import artifacts_visible_to


# Named apart from the map's per-country statistics (cartography.api_map), also a "Country".
@extend_schema_serializer(component_name="CountryBrief")
class CountrySerializer(ReadSerializer):
    class Meta:
        model = Country
        fields = ["code", "name", "continent"]


class LanguageSerializer(ReadSerializer):
    api_url = serializers.HyperlinkedIdentityField(
        view_name="api:language-detail", lookup_field="code"
    )
    is_underrepresented = serializers.BooleanField(read_only=True)

    class Meta:
        model = Language
        fields = [API_URL, "code", "name", "resource_level", "is_underrepresented"]


class LanguageBriefSerializer(ReadSerializer):
    class Meta:
        model = Language
        fields = ["code", "name"]


class LicenceSerializer(ReadSerializer):
    api_url = serializers.HyperlinkedIdentityField(
        view_name="api:licence-detail", lookup_field="identifier"
    )

    class Meta:
        model = Licence
        fields = [
            API_URL,
            "identifier",
            "name",
            "url",
            "kind",
            "is_spdx",
            "osi_approved",
            "fsf_libre",
            "deprecated",
            "restricts_use",
            "source_url",
        ]


class OrganisationSerializer(ReadSerializer):
    api_url = serializers.HyperlinkedIdentityField(
        view_name="api:organisation-detail", lookup_field="slug"
    )
    country = CountrySerializer(read_only=True, allow_null=True)

    class Meta:
        model = Organisation
        fields = [API_URL, "slug", "name", "kind", "country", "website", "source_url", "created_at"]


class ProjectOrganisationSerializer(ReadSerializer):
    slug = serializers.SlugField(source="organisation.slug", read_only=True)
    name = serializers.CharField(source="organisation.name", read_only=True)
    kind = serializers.CharField(source="organisation.kind", read_only=True)

    class Meta:
        model = ProjectOrganisation
        fields = ["slug", "name", "kind", "role", "source_url"]


class ProjectBriefSerializer(ReadSerializer):
    api_url = serializers.HyperlinkedIdentityField(
        view_name="api:project-detail", lookup_field="slug"
    )

    class Meta:
        model = Project
        fields = [API_URL, "slug", "name"]


class ProjectSerializer(ReadSerializer):
    api_url = serializers.HyperlinkedIdentityField(
        view_name="api:project-detail", lookup_field="slug"
    )
    motivations = serializers.ListField(child=serializers.ChoiceField(Motivation.choices))
    countries = CountrySerializer(many=True, read_only=True)
    languages = LanguageBriefSerializer(many=True, read_only=True)
    organisations = ProjectOrganisationSerializer(
        source="organisation_roles", many=True, read_only=True
    )
    artifact_count = serializers.IntegerField(read_only=True)
    artifacts_url = serializers.HyperlinkedIdentityField(
        view_name="api:project-artifact-list",
        lookup_field="slug",
        lookup_url_kwarg="project_slug",
    )
    all_contributors_url = serializers.HyperlinkedIdentityField(
        view_name="api:project-all-contributors", lookup_field="slug"
    )

    class Meta:
        model = Project
        fields = [
            API_URL,
            "slug",
            "name",
            "summary",
            "in_study",
            "listing_status",
            "governance_model",
            "governance_confirmed",
            "governance_reasoning",
            "governance_source_url",
            "decision_making_body",
            "governance_document_url",
            "motivations",
            "countries",
            "languages",
            "organisations",
            "website",
            "code_url",
            "model_hub_url",
            "forum_url",
            "code_of_conduct_url",
            "contribution_agreement",
            "artifact_count",
            "artifacts_url",
            "all_contributors_url",
            "source",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class OrganisationRoleInputSerializer(RefuseUnknownFieldsMixin, serializers.Serializer):
    """A listed organisation by slug, or a new one by name and kind: created for the proposal and
    listed only when staff list it (removed if they decline it)."""

    organisation = serializers.SlugRelatedField(
        slug_field="slug", queryset=Organisation.objects.listed(), required=False
    )
    new_name = serializers.CharField(
        max_length=200, required=False, help_text="A new organisation's name, instead of a slug."
    )
    new_kind = serializers.ChoiceField(
        OrganisationKind.choices, required=False, help_text="The new organisation's kind."
    )
    role = serializers.ChoiceField(OrganisationRole.choices)

    def validate(self, attrs):
        attrs = super().validate(attrs)
        new_name = " ".join(attrs.get("new_name", "").split())
        if bool(attrs.get("organisation")) == bool(new_name):
            raise serializers.ValidationError(
                {"organisation": "Give an organisation's slug or a new organisation's new_name."}
            )
        if new_name and not attrs.get("new_kind"):
            raise serializers.ValidationError({"new_kind": "Say what kind of organisation it is."})
        if new_name:
            attrs["new_name"] = new_name
        return attrs


class ProjectProposalSerializer(RefuseUnknownFieldsMixin, serializers.ModelSerializer):
    """A proposal: staff review it before it is listed (`projects.services.project_propose`)."""

    motivations = serializers.ListField(
        child=serializers.ChoiceField(Motivation.choices), required=False, max_length=20
    )
    countries = serializers.SlugRelatedField(
        slug_field="code", queryset=Country.objects.all(), many=True, required=False
    )
    languages = serializers.SlugRelatedField(
        slug_field="code", queryset=Language.objects.all(), many=True, required=False
    )
    organisations = OrganisationRoleInputSerializer(many=True, required=False, max_length=50)

    class Meta:
        model = Project
        fields = [
            "name",
            "slug",
            "summary",
            "governance_model",
            "motivations",
            "countries",
            "languages",
            "organisations",
            "decision_making_body",
            "governance_document_url",
            "website",
            "code_url",
            "model_hub_url",
            "forum_url",
            "code_of_conduct_url",
            "contribution_agreement",
        ]
        extra_kwargs = {
            "governance_model": {"required": True},
            # Reserved and taken addresses are refused by the service, in the web form's words
            # (projects.services.project_slug_check), not by a uniqueness validator of its own.
            "slug": {"validators": []},
        }


class ArtifactComponentSerializer(ReadSerializer):
    licence = serializers.SlugRelatedField(slug_field="identifier", read_only=True)

    class Meta:
        model = ArtifactComponent
        fields = ["component", "released", "location", "licence", "licence_text", "source"]


class ArtifactSerializer(ReadSerializer):
    api_url = serializers.HyperlinkedIdentityField(
        view_name="api:artifact-detail", lookup_field="slug"
    )
    project = ProjectBriefSerializer(read_only=True)
    domain = serializers.CharField(read_only=True)
    licence = serializers.SlugRelatedField(slug_field="identifier", read_only=True, allow_null=True)
    languages = serializers.SlugRelatedField(slug_field="code", many=True, read_only=True)
    derived_from = serializers.SlugRelatedField(slug_field="slug", read_only=True, allow_null=True)
    components = ArtifactComponentSerializer(many=True, read_only=True)

    class Meta:
        model = Artifact
        fields = [
            API_URL,
            "slug",
            "project",
            "kind",
            "domain",
            "name",
            "version",
            "url",
            "licence",
            "languages",
            "release_date",
            "derived_from",
            "derivation_relation",
            "components",
            "source",
            "source_url",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class ArtifactWriteSerializer(RefuseUnknownFieldsMixin, serializers.ModelSerializer):
    """Create (under a project) or update an artifact; `artifact_save` validates the lineage."""

    licence = serializers.SlugRelatedField(
        slug_field="identifier", queryset=Licence.objects.all(), required=False, allow_null=True
    )
    languages = serializers.SlugRelatedField(
        slug_field="code", queryset=Language.objects.all(), many=True, required=False
    )
    derived_from = serializers.SlugRelatedField(
        slug_field="slug", queryset=Artifact.objects.none(), required=False, allow_null=True
    )

    class Meta:
        model = Artifact
        fields = [
            "slug",
            "kind",
            "name",
            "version",
            "url",
            "licence",
            "languages",
            "release_date",
            "derived_from",
            "derivation_relation",
            "source_url",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # A parent is looked up among the artifacts the caller may see, like any other lookup.
        request = self.context.get("request")
        if request is not None:
            self.fields["derived_from"].queryset = artifacts_visible_to(request.user)
