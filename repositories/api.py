"""The API of repository sources: list and read (public projects' sources), add and remove
(maintainers and staff), and ask for a sync. Contributions read from them are in the
contributions endpoint, filtered with `?source=repository`; a project's maintainers hide a wrongly
attributed one (and show it again) at /repository-work/{id}/hide/ and /show/, as on its page."""

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.permissions import IsAuthenticatedOrReadOnly
from rest_framework.response import Response

from contributions import selectors as contribution_selectors
from contributions.choices import ContributionSource
from contributions.serializers import ContributionSerializer
from core.serializers import RefuseUnknownFieldsMixin
from projects.selectors import projects_visible_to
from repositories import permissions, selectors, services
from repositories.filters import RepositorySourceFilterSet
from repositories.serializers import (
    RepositorySourceSerializer,
    RepositorySourceWriteSerializer,
    RepositorySyncSerializer,
)

DENIED = "Only this project's maintainers and staff manage its repositories."


class RepositorySourceViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """Git repositories whose history is read into a project's ledger."""

    serializer_class = RepositorySourceSerializer
    filterset_class = RepositorySourceFilterSet
    permission_classes = [IsAuthenticatedOrReadOnly]

    def get_queryset(self):
        return selectors.sources_visible_to(self.request.user)

    @extend_schema(
        request=RepositorySourceWriteSerializer, responses={201: RepositorySourceSerializer}
    )
    def create(self, request, *args, **kwargs):
        serializer = RepositorySourceWriteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        project = projects_visible_to(request.user).filter(slug=data.pop("project")).first()
        if project is None:
            raise ValidationError({"project": ["No project with that slug."]})
        if not permissions.can_manage_sources(request.user, project):
            raise PermissionDenied(DENIED)
        source = services.repository_source_add(project=project, user=request.user, **data)
        services.repository_sync_request(source=source, user=request.user)
        source = self.get_queryset().get(pk=source.pk)
        return Response(self.get_serializer(source).data, status=status.HTTP_201_CREATED)

    def destroy(self, request, *args, **kwargs):
        source = self.get_object()
        if not permissions.can_manage_sources(request.user, source.project):
            raise PermissionDenied(DENIED)
        services.repository_source_remove(source=source, user=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(request=None, responses={202: RepositorySyncSerializer})
    @action(detail=True, methods=["post"])
    def sync(self, request, pk=None):
        """Queue a sync (or return the one already queued or running)."""
        source = self.get_object()
        if not permissions.can_manage_sources(request.user, source.project):
            raise PermissionDenied(DENIED)
        sync = services.repository_sync_request(source=source, user=request.user)
        return Response(RepositorySyncSerializer(sync).data, status=status.HTTP_202_ACCEPTED)


class HideSerializer(RefuseUnknownFieldsMixin, serializers.Serializer):
    reason = serializers.CharField(
        allow_blank=True,
        help_text="Why the entry is wrongly attributed (required; kept on the entry and in its "
        "audit trail).",
    )


class ShowSerializer(RefuseUnknownFieldsMixin, serializers.Serializer):
    note = serializers.CharField(
        required=False, allow_blank=True, default="", help_text="Why it is shown again."
    )


HIDE_DENIED = "Only this project's maintainers and staff hide or show its repository work."


class RepositoryWorkViewSet(viewsets.GenericViewSet):
    """Ledger entries read from a repository's history (person x repository x month x type). A
    project's maintainers hide one that credits the wrong person, with a reason: it leaves every
    count, later syncs keep it hidden, and the decision is audited. Nobody hides or shows an entry
    crediting themselves."""

    serializer_class = ContributionSerializer
    lookup_value_regex = r"[0-9]+"

    def get_queryset(self):
        return (
            contribution_selectors.contribution_list(self.request.user)
            .filter(source=ContributionSource.REPOSITORY)
            .select_related("contributor__user")
        )

    def _respond(self, contribution) -> Response:
        fresh = self.get_queryset().get(pk=contribution.pk)
        return Response(self.get_serializer(fresh).data)

    def _entry(self, request):
        entry = self.get_object()
        if not permissions.can_hide_repository_work(request.user, entry.project):
            raise PermissionDenied(HIDE_DENIED)
        return entry

    @extend_schema(
        summary="Hide a repository-derived entry",
        description="A credited entry read from a repository leaves every count; the reason is "
        "required. 409 when it is not credited (approved) or already hidden.",
        request=HideSerializer,
        responses={200: ContributionSerializer},
    )
    @action(detail=True, methods=["post"])
    def hide(self, request, pk=None):
        entry = self._entry(request)
        serializer = HideSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        hidden = services.repository_work_hide(
            contribution=entry, user=request.user, reason=serializer.validated_data["reason"]
        )
        return self._respond(hidden)

    @extend_schema(
        summary="Show a hidden repository-derived entry again",
        description="The entry rests on the repository history again. 409 when it is not hidden.",
        request=ShowSerializer,
        responses={200: ContributionSerializer},
    )
    @action(detail=True, methods=["post"])
    def show(self, request, pk=None):
        entry = self._entry(request)
        serializer = ShowSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        shown = services.repository_work_unhide(
            contribution=entry, user=request.user, note=serializer.validated_data["note"]
        )
        return self._respond(shown)
