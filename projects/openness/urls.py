"""The openness pages, included at `openness/` (namespace "openness")."""

from django.urls import path

from projects.openness import views

app_name = "openness"

urlpatterns = [
    path("", views.overview, name="overview"),
    path("import/", views.bulk_import, name="bulk_import"),
    path("artifacts/<slug:slug>/", views.artifact_openness, name="artifact"),
    path("artifacts/<slug:slug>/upload/", views.artifact_upload, name="upload"),
    path("artifacts/<slug:slug>/mot.yml", views.artifact_export, name="export"),
]
