from django.urls import path

from repositories import views

app_name = "repositories"

urlpatterns = [
    path("projects/<slug:slug>/", views.source_list, name="source_list"),
    path("<int:pk>/", views.source_detail, name="source_detail"),
    path("<int:pk>/sync/", views.source_sync, name="source_sync"),
    path("<int:pk>/remove/", views.source_remove, name="source_remove"),
    path("work/<int:pk>/hide/", views.work_hide, name="work_hide"),
    path("work/<int:pk>/show/", views.work_unhide, name="work_unhide"),
]
