"""The site's URLs plus the openness pages and API, for tests run before the lead wires them in
(cartography/urls.py and cartography/api.py); harmless once they are."""

from django.urls import include, path

from cartography.urls import urlpatterns as site_urlpatterns
from projects import api_openness

urlpatterns = [
    path("openness/", include("projects.urls_openness")),
    path("api/v1/", include((api_openness.urlpatterns, "openness_api"))),
    *site_urlpatterns,
]
