"""API representations of the ledger. Input is parsed here (types, formats, which rows) and checked
for meaning only in `contributions.services`, the same checks the web forms get, whose errors the
API error handler maps onto the fields; a serializer never saves."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.reverse import reverse

from contributions.choices import ContributionDomain
from contributions.models import CONTENT_FIELDS, Contribution, Contributor
from contributions.permissions import has_public_profile
from core.serializers import API_URL, ReadSerializer, RefuseUnknownFieldsMixin
from projects.models import Artifact, Language, Project
from projects.selectors import artifacts_visible_to, projects_visible_to
from projects.serializers import (
    ArtifactSerializer,
    CountrySerializer,
    LanguageBriefSerializer,
    LanguageSerializer,
    LicenceSerializer,
    OrganisationSerializer,
    ProjectBriefSerializer,
    ProjectSerializer,
)


def contributor_api_url(contributor: Contributor, request) -> str | None:
    if not has_public_profile(contributor) or contributor.user is None:
        return None
    return reverse(
        "api:contributor-detail", kwargs={"username": contributor.user.username}, request=request
    )


class OrganisationBriefSerializer(serializers.Serializer):
    slug = serializers.SlugField(read_only=True)
    name = serializers.CharField(read_only=True)


class ContributorSerializer(ReadSerializer):
    """A public profile."""

    api_url = serializers.SerializerMethodField()
    username = serializers.SerializerMethodField()
    affiliation = OrganisationBriefSerializer(read_only=True, allow_null=True)
    country = CountrySerializer(read_only=True, allow_null=True)
    languages = LanguageBriefSerializer(many=True, read_only=True)

    class Meta:
        model = Contributor
        fields = [
            API_URL,
            "id",
            "username",
            "display_name",
            "affiliation",
            "country",
            "languages",
            "orcid",
            "github",
            "huggingface",
            "is_synthetic",
            "created_at",
        ]
        read_only_fields = fields

    @extend_schema_field(OpenApiTypes.URI)
    def get_api_url(self, obj: Contributor) -> str | None:
        return contributor_api_url(obj, self.context.get("request"))

    @extend_schema_field({"type": "string", "nullable": True})
    def get_username(self, obj: Contributor) -> str | None:
        """Empty for a credit imported for someone who has not signed in yet."""
        return obj.user.username if obj.user is not None else None


class CreditedContributorSerializer(serializers.Serializer):
    """Who a contribution is credited to: name always; the profile only when it is public."""

    display_name = serializers.CharField(read_only=True)
    id = serializers.SerializerMethodField()
    username = serializers.SerializerMethodField()
    api_url = serializers.SerializerMethodField()

    @extend_schema_field({"type": "integer", "nullable": True})
    def get_id(self, obj: Contributor) -> int | None:
        return obj.pk if has_public_profile(obj) else None

    @extend_schema_field({"type": "string", "nullable": True})
    def get_username(self, obj: Contributor) -> str | None:
        if not has_public_profile(obj) or obj.user is None:
            return None
        return obj.user.username

    @extend_schema_field({"type": "string", "format": "uri", "nullable": True})
    def get_api_url(self, obj: Contributor) -> str | None:
        return contributor_api_url(obj, self.context.get("request"))


class ContributionSerializer(ReadSerializer):
    api_url = serializers.HyperlinkedIdentityField(view_name="api:contribution-detail")
    project = ProjectBriefSerializer(read_only=True)
    artifact = serializers.SlugRelatedField(slug_field="slug", read_only=True, allow_null=True)
    contributor = CreditedContributorSerializer(read_only=True)
    domain = serializers.ChoiceField(ContributionDomain.choices, read_only=True)
    evidence_urls = serializers.ListField(child=serializers.URLField(), read_only=True)
    languages = serializers.SlugRelatedField(slug_field="code", many=True, read_only=True)
    affiliation = serializers.SlugRelatedField(slug_field="slug", read_only=True, allow_null=True)
    is_synthetic = serializers.BooleanField(
        read_only=True, help_text="Generated demo data (source `synthetic`), never real work."
    )

    class Meta:
        model = Contribution
        fields = [
            API_URL,
            "id",
            "project",
            "artifact",
            "contributor",
            "type",
            "domain",
            "phase",
            "title",
            "description",
            "evidence_urls",
            "occurred_on",
            "quantity",
            "unit",
            "languages",
            "compensation",
            "affiliation",
            "status",
            "moderated_at",
            "source",
            "is_synthetic",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class _ContentFields(RefuseUnknownFieldsMixin, serializers.ModelSerializer):
    """The content a contributor writes, shared by logging and editing: parsed here, checked by
    the service (lengths, limits, dates, links and units are its rules, with its messages)."""

    artifact = serializers.SlugRelatedField(
        slug_field="slug", queryset=Artifact.objects.none(), required=False, allow_null=True
    )
    title = serializers.CharField()
    description = serializers.CharField(required=False, allow_blank=True)
    evidence_urls = serializers.ListField(child=serializers.URLField(), required=False)
    quantity = serializers.DecimalField(
        max_digits=14, decimal_places=2, required=False, allow_null=True
    )
    unit = serializers.CharField(
        max_length=40,
        required=False,
        allow_blank=True,
        help_text="What the quantity counts; left out, the type's typical unit (funding has none).",
    )
    languages = serializers.SlugRelatedField(
        slug_field="code", queryset=Language.objects.all(), many=True, required=False
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None:
            self.fields["artifact"].queryset = artifacts_visible_to(request.user)


class ContributionCreateSerializer(_ContentFields):
    """Log a contribution as the signed-in user; it waits as pending for a maintainer."""

    project = serializers.SlugRelatedField(slug_field="slug", queryset=Project.objects.none())

    class Meta:
        model = Contribution
        fields = ["project", *CONTENT_FIELDS, "languages"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None:
            self.fields["project"].queryset = projects_visible_to(request.user)


class ContributionUpdateSerializer(_ContentFields):
    """Edit an entry's content (partial): its contributor while pending or asked for changes,
    the project's maintainers and staff to correct it."""

    class Meta:
        model = Contribution
        fields = [*CONTENT_FIELDS, "languages"]


class NoteSerializer(RefuseUnknownFieldsMixin, serializers.Serializer):
    note = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        help_text="Why: required to reject or request changes, so the contributor can act on it.",
    )


# EXPORTS: documented shapes of the files the API writes
# ------------------------------------------------------------------------------
class AllContributorsEntrySerializer(serializers.Serializer):
    login = serializers.CharField(
        required=False,
        help_text="The GitHub handle; absent for a person without a public one (never invented).",
    )
    name = serializers.CharField()
    avatar_url = serializers.URLField(required=False)
    profile = serializers.URLField(required=False)
    contributions = serializers.ListField(child=serializers.CharField())


class AllContributorsTypeSerializer(serializers.Serializer):
    symbol = serializers.CharField()
    description = serializers.CharField()


class AllContributorsFileSerializer(serializers.Serializer):
    """The `.all-contributorsrc` file (All Contributors specification)."""

    projectName = serializers.CharField()
    projectOwner = serializers.CharField(allow_blank=True)
    repoType = serializers.CharField()
    repoHost = serializers.CharField()
    files = serializers.ListField(child=serializers.CharField())
    imageSize = serializers.IntegerField()
    commit = serializers.BooleanField()
    commitConvention = serializers.CharField()
    types = serializers.DictField(child=AllContributorsTypeSerializer(), required=False)
    contributors = AllContributorsEntrySerializer(many=True)
    contributorsPerLine = serializers.IntegerField()


class SnapshotProjectSerializer(ProjectSerializer):
    """A public project with its artifacts and its approved contributions counted by type."""

    artifacts = ArtifactSerializer(many=True, read_only=True)
    approved_contributions = serializers.DictField(
        child=serializers.IntegerField(), read_only=True, help_text="Approved entries by type."
    )
    contributor_count = serializers.IntegerField(
        read_only=True, help_text="People with at least one approved contribution."
    )

    class Meta(ProjectSerializer.Meta):
        fields = [
            *ProjectSerializer.Meta.fields,
            "artifacts",
            "approved_contributions",
            "contributor_count",
        ]
        read_only_fields = fields


class SnapshotSerializer(serializers.Serializer):
    """The whole public cartography in one document, for open-data use."""

    generated_at = serializers.DateTimeField()
    projects = SnapshotProjectSerializer(many=True)
    organisations = OrganisationSerializer(many=True)
    licences = LicenceSerializer(many=True)
    languages = LanguageSerializer(many=True)
