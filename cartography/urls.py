from django.contrib import admin
from django.urls import include, path

from cartography import views

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("readyz", views.readyz, name="readyz"),
    path("accounts/", include("accounts.urls")),
    path("projects/", include("projects.urls")),
    path("contributions/", include("contributions.urls")),
    path("api/v1/", include("cartography.api")),
    path("admin/", admin.site.urls),
]
