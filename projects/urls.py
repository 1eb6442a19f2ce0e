from django.urls import path

from projects import views

app_name = "projects"

# Fixed segments come before "<slug>/"; projects.services.RESERVED_PROJECT_SLUGS keeps a project
# from taking one of them as its address.
urlpatterns = [
    path("", views.project_list, name="project_list"),
    path("propose/", views.project_propose, name="project_propose"),
    path("proposals/", views.proposal_list, name="proposal_list"),
    path("artifacts/<slug:slug>/", views.artifact_detail, name="artifact_detail"),
    path("artifacts/<slug:slug>/edit/", views.artifact_edit, name="artifact_edit"),
    path(
        "artifacts/<slug:slug>/components/",
        views.artifact_components,
        name="artifact_components",
    ),
    path("<slug:slug>/", views.project_detail, name="project_detail"),
    path("<slug:slug>/edit/", views.project_edit, name="project_edit"),
    path("<slug:slug>/review/", views.project_review, name="project_review"),
    path("<slug:slug>/maintainers/", views.maintainer_list, name="maintainer_list"),
    path(
        "<slug:slug>/maintainers/<int:user_id>/remove/",
        views.maintainer_remove,
        name="maintainer_remove",
    ),
    path("<slug:slug>/artifacts/new/", views.artifact_create, name="artifact_create"),
]
