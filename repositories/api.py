"""The API of repository sources: list and read (public projects' sources), add and remove
(maintainers and staff), and ask for a sync. Contributions read from them are in the
contributions endpoint, filtered with `?source=repository`."""

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.permissions import IsAuthenticatedOrReadOnly
from rest_framework.response import Response

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
