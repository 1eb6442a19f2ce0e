"""The openness pages, included at `openness/` (namespace "openness")."""

from django.urls import path

from projects import views_openness

app_name = "openness"

urlpatterns = [
    path("", views_openness.overview, name="overview"),
    path("import/", views_openness.bulk_import, name="bulk_import"),
    path("artifacts/<slug:slug>/", views_openness.artifact_openness, name="artifact"),
    path("artifacts/<slug:slug>/upload/", views_openness.artifact_upload, name="upload"),
    path("artifacts/<slug:slug>/mot.yml", views_openness.artifact_export, name="export"),
]
