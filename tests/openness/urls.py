"""The site's URLs plus the openness pages and API, for tests run before the lead wires them in
(cartography/urls.py and cartography/api.py); harmless once they are."""

from django.urls import include, path

from cartography.urls import urlpatterns as site_urlpatterns
from projects.openness import api as openness_api

urlpatterns = [
    path("openness/", include("projects.openness.urls")),
    path("api/v1/", include((openness_api.urlpatterns, "openness_api"))),
    *site_urlpatterns,
]
