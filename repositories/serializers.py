from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from core.serializers import API_URL, ReadSerializer, RefuseUnknownFieldsMixin
from repositories.models import RepositorySource, RepositorySync


class RepositorySyncSerializer(ReadSerializer):
    class Meta:
        model = RepositorySync
        fields = (
            "id",
            "status",
            "from_commit",
            "to_commit",
            "force_push",
            "commits_total",
            "commits_done",
            "credits_recorded",
            "cells_created",
            "cells_updated",
            "cells_withdrawn",
            "message",
            "created_at",
            "started_at",
            "finished_at",
        )
        read_only_fields = fields


class RepositorySourceSerializer(ReadSerializer):
    project = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    url = serializers.SerializerMethodField()
    latest_sync = serializers.SerializerMethodField()
    api_url = serializers.HyperlinkedIdentityField(view_name="api:repository-source-detail")

    class Meta:
        model = RepositorySource
        fields = (
            "id",
            API_URL,
            "project",
            "url",
            "label",
            "host",
            "kind",
            "branch",
            "path_filter",
            "resolved_branch",
            "last_seen_commit",
            "last_synced_at",
            "created_at",
            "latest_sync",
        )
        read_only_fields = fields

    def get_url(self, source: RepositorySource) -> str:
        """A local path (command line only) is not this site's to publish."""
        return "" if source.host == "local" else source.url

    @extend_schema_field(RepositorySyncSerializer(allow_null=True))
    def get_latest_sync(self, source: RepositorySource) -> dict | None:
        syncs = getattr(source, "recent_syncs", None)
        if syncs is None:
            syncs = list(source.syncs.order_by("-created_at", "-id")[:1])
        return RepositorySyncSerializer(syncs[0]).data if syncs else None


class RepositorySourceWriteSerializer(RefuseUnknownFieldsMixin, serializers.Serializer):
    project = serializers.SlugField(help_text="The project's slug.")
    url = serializers.CharField(
        max_length=500, help_text="An https:// git URL on one of the site's allowed hosts."
    )
    branch = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    path_filter = serializers.CharField(
        max_length=300, required=False, allow_blank=True, default=""
    )
