"""The one API router: every endpoint under /api/v1/ (included with the `api` namespace).

Each app keeps its viewsets in its own `api.py`; this module only wires them, so the whole API
surface reads in one screen. The schema and its documentation pages are served outside the
version prefix (`docs_urlpatterns`, included by cartography/urls.py at /api/).
"""

from django.urls import path, re_path
from drf_spectacular.utils import extend_schema
from drf_spectacular.views import (
    SpectacularAPIView,
    SpectacularRedocView,
    SpectacularSwaggerSplitView,
)
from rest_framework.decorators import (
    api_view,
    authentication_classes,
    permission_classes,
    schema,
    throttle_classes,
)
from rest_framework.exceptions import NotFound
from rest_framework.permissions import AllowAny
from rest_framework.routers import DefaultRouter

from cartography import api_map
from contributions import api as contributions_api
from contributions import api_stats
from projects import api as projects_api
from projects.openness import api as openness_api
from repositories import api as repositories_api

app_name = "api"


@api_view(["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"])
@authentication_classes([])
@permission_classes([AllowAny])
@throttle_classes([])
@schema(None)
def api_not_found(request, *args, **kwargs):
    raise NotFound()


router = DefaultRouter()
router.register("organizations", projects_api.OrganisationViewSet, basename="organisation")
router.register("projects", projects_api.ProjectViewSet, basename="project")
router.register(
    r"projects/(?P<project_slug>[-\w]+)/artifacts",
    projects_api.ProjectArtifactViewSet,
    basename="project-artifact",
)
router.register("artifacts", projects_api.ArtifactViewSet, basename="artifact")
router.register("licenses", projects_api.LicenceViewSet, basename="licence")
router.register("languages", projects_api.LanguageViewSet, basename="language")
router.register("contributors", contributions_api.ContributorViewSet, basename="contributor")
router.register("contributions", contributions_api.ContributionViewSet, basename="contribution")
router.register(
    "repository-sources",
    repositories_api.RepositorySourceViewSet,
    basename="repository-source",
)
router.register(
    "repository-work", repositories_api.RepositoryWorkViewSet, basename="repository-work"
)

urlpatterns = [
    path(
        "projects/<slug:slug>/all-contributors/",
        contributions_api.AllContributorsView.as_view(),
        name="project-all-contributors",
    ),
    path("snapshot/", contributions_api.SnapshotView.as_view(), name="snapshot"),
    *api_map.urlpatterns,  # the map's numbers
    *api_stats.urlpatterns,  # statistics, read from the rollups
    *openness_api.urlpatterns,  # the openness overview, both MOF readings and the index
    *router.urls,
    # Last: any other path under /api/v1/ is a 404 in the API's JSON shape, not an HTML page.
    re_path(r"^[\s\S]*/$", api_not_found, name="not-found"),
]


class SwaggerView(SpectacularSwaggerSplitView):
    """Swagger UI; its start-up script is a separate request (no inline script, CSP-friendly)."""

    template_name = "cartography/api_swagger.html"
    url_name = "api-schema"


class RedocView(SpectacularRedocView):
    """ReDoc. It styles itself by injecting <style> elements and searches in a blob: worker, which
    the site's policy forbids; this page alone allows both (scripts stay 'self' only)."""

    template_name = "cartography/api_redoc.html"
    url_name = "api-schema"
    CSP = (
        "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
        "script-src 'self'; worker-src 'self' blob:; object-src 'none'; base-uri 'self'; "
        "frame-ancestors 'none'; form-action 'self'"
    )

    @extend_schema(exclude=True)
    def get(self, request, *args, **kwargs):
        response = super().get(request, *args, **kwargs)
        response["Content-Security-Policy"] = self.CSP
        return response


# Served at /api/ (outside the version prefix): the schema describes every version it serves.
docs_urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("docs/", SwaggerView.as_view(), name="api-docs"),
    path("docs/redoc/", RedocView.as_view(), name="api-redoc"),
]
