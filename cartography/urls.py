from django.contrib import admin
from django.urls import include, path

from cartography import views
from cartography.api import docs_urlpatterns

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("readyz", views.readyz, name="readyz"),
    path("favicon.ico", views.favicon, name="favicon"),
    path("governance/", views.governance, name="governance"),
    path("compare/", views.compare, name="compare"),
    path("badges/<slug:slug>/", views.badge_list, name="badge_list"),
    path("badges/<slug:slug>/<str:kind>.svg", views.badge, name="badge"),
    path("imports/<slug:slug>/new/", views.import_new, name="import_new"),
    path("imports/<int:pk>/", views.import_run_detail, name="import_run_detail"),
    path("accounts/", include("accounts.urls")),
    # Sign-up, sign-in, e-mail addresses, passwords, GitHub / Hugging Face / ORCID (allauth).
    path("accounts/", include("allauth.urls")),
    path("projects/", include("projects.urls")),
    path("openness/", include("projects.openness.urls")),
    path("contributions/", include("contributions.urls")),
    path("repositories/", include("repositories.urls")),
    path("api/v1/", include("cartography.api")),
    # The OpenAPI schema and its documentation pages, outside the version prefix.
    path("api/", include(docs_urlpatterns)),
    path("admin/", admin.site.urls),
]
