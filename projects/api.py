"""API viewsets of the registry: short, as NetBox writes them. The queryset comes from a selector
(what the caller may see, joins applied), filters from the FilterSet the web lists use, the
policy from `projects.permissions`, and every write from `projects.services`."""

from django.db.models import Prefetch
from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.exceptions import PermissionDenied
from rest_framework.permissions import SAFE_METHODS, BasePermission, IsAuthenticatedOrReadOnly
from rest_framework.response import Response
from rest_framework.reverse import reverse

from projects import permissions, selectors, services
from projects.choices import FactSource
from projects.filters import (
    ArtifactFilterSet,
    LanguageFilterSet,
    LicenceFilterSet,
    OrganisationFilterSet,
    ProjectFilterSet,
)
from projects.models import Language, Licence, Organisation
from projects.models.openness import ArtifactComponent
from projects.serializers import (
    ArtifactSerializer,
    ArtifactWriteSerializer,
    LanguageSerializer,
    LicenceSerializer,
    OrganisationSerializer,
    ProjectProposalSerializer,
    ProjectSerializer,
)

SLUG = r"[-\w]+"

ARTIFACTS_DENIED = "Only this project's maintainers and staff manage its artifacts."


def _with_components(queryset):
    return queryset.prefetch_related(
        Prefetch("components", queryset=ArtifactComponent.objects.select_related("licence"))
    )


class CanManageArtifacts(BasePermission):
    message = ARTIFACTS_DENIED

    def has_object_permission(self, request, view, obj):
        if request.method in SAFE_METHODS:
            return True
        return permissions.can_manage_artifacts(request.user, obj.project)


class OrganisationViewSet(viewsets.ReadOnlyModelViewSet):
    """Organisations in projects: leads, sponsors, partners, compute providers, funders."""

    queryset = Organisation.objects.listed().select_related("country").order_by("name", "id")
    serializer_class = OrganisationSerializer
    filterset_class = OrganisationFilterSet
    lookup_field = "slug"
    lookup_value_regex = SLUG


class LicenceViewSet(viewsets.ReadOnlyModelViewSet):
    """Licences of artifact releases, SPDX and custom (RAIL, Llama community licences)."""

    queryset = Licence.objects.order_by("identifier", "id")
    serializer_class = LicenceSerializer
    filterset_class = LicenceFilterSet
    lookup_field = "identifier"
    lookup_value_regex = r"[-\w.+]+"


class LanguageViewSet(viewsets.ReadOnlyModelViewSet):
    """Languages (ISO 639-3) with how well digital resources serve them."""

    queryset = Language.objects.order_by("name", "code")
    serializer_class = LanguageSerializer
    filterset_class = LanguageFilterSet
    lookup_field = "code"
    lookup_value_regex = SLUG


@extend_schema_view(
    create=extend_schema(
        summary="Propose a project",
        request=ProjectProposalSerializer,
        responses={201: ProjectSerializer},
    )
)
class ProjectViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """Open LLM projects: listed and archived ones for everyone; a proposal also to its proposer,
    maintainers and staff."""

    serializer_class = ProjectSerializer
    filterset_class = ProjectFilterSet
    lookup_field = "slug"
    lookup_value_regex = SLUG

    def get_queryset(self):
        return selectors.project_list(self.request.user)

    def create(self, request, *args, **kwargs):
        serializer = ProjectProposalSerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        rows = data.pop("organisations", [])
        project = services.project_propose(
            proposer=request.user,
            organisations=[(o["organisation"], o["role"]) for o in rows if o.get("organisation")],
            new_organisations=[
                (o["new_name"], o["new_kind"], o["role"]) for o in rows if o.get("new_name")
            ],
            source=FactSource.API,
            **data,
        )
        project = self.get_queryset().get(pk=project.pk)
        return Response(
            self.get_serializer(project).data,
            status=status.HTTP_201_CREATED,
            headers={
                "Location": reverse(
                    "api:project-detail", kwargs={"slug": project.slug}, request=request
                )
            },
        )


@extend_schema(
    parameters=[OpenApiParameter("project_slug", OpenApiTypes.STR, OpenApiParameter.PATH)]
)
@extend_schema_view(
    create=extend_schema(
        summary="Add an artifact to the project",
        request=ArtifactWriteSerializer,
        responses={201: ArtifactSerializer},
    )
)
class ProjectArtifactViewSet(
    mixins.ListModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet
):
    """A project's artifacts; its maintainers and staff add new ones here."""

    serializer_class = ArtifactSerializer
    filterset_class = ArtifactFilterSet

    def get_project(self):
        if not hasattr(self, "_project"):
            self._project = get_object_or_404(
                selectors.projects_visible_to(self.request.user), slug=self.kwargs["project_slug"]
            )
        return self._project

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return selectors.artifacts_visible_to(self.request.user).none()
        return _with_components(
            selectors.artifacts_visible_to(self.request.user).filter(project=self.get_project())
        )

    def create(self, request, *args, **kwargs):
        project = self.get_project()
        if not permissions.can_manage_artifacts(request.user, project):
            raise PermissionDenied(ARTIFACTS_DENIED)
        serializer = ArtifactWriteSerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        artifact = services.artifact_save(
            project=project,
            editor=request.user,
            languages=data.pop("languages", None),
            source=FactSource.API,
            **data,
        )
        artifact = self.get_queryset().get(pk=artifact.pk)
        return Response(self.get_serializer(artifact).data, status=status.HTTP_201_CREATED)


@extend_schema_view(
    partial_update=extend_schema(
        summary="Update an artifact",
        request=ArtifactWriteSerializer,
        responses={200: ArtifactSerializer},
    )
)
class ArtifactViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Artifacts of every visible project: models, datasets, benchmarks, software, leaderboards,
    forums, compute partnerships and documents, with their licences, lineage and MOF components."""

    serializer_class = ArtifactSerializer
    filterset_class = ArtifactFilterSet
    permission_classes = [IsAuthenticatedOrReadOnly, CanManageArtifacts]
    lookup_field = "slug"
    lookup_value_regex = SLUG
    http_method_names = ["get", "patch", "head", "options"]

    def get_queryset(self):
        return _with_components(selectors.artifacts_visible_to(self.request.user))

    def partial_update(self, request, *args, **kwargs):
        artifact = self.get_object()
        serializer = ArtifactWriteSerializer(
            artifact, data=request.data, partial=True, context={"request": request}
        )
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        services.artifact_save(
            project=artifact.project,
            editor=request.user,
            artifact=artifact,
            languages=data.pop("languages", None),
            **data,
        )
        return Response(self.get_serializer(self.get_queryset().get(pk=artifact.pk)).data)
