from django.urls import path

from contributions import views

app_name = "contributions"

urlpatterns = [
    path("", views.contribution_list, name="contribution_list"),
    path("mine/", views.my_contributions, name="my_contributions"),
    path("new/", views.contribution_create, name="contribution_create"),
    path("moderation/", views.moderation_queue, name="moderation_queue"),
    path("moderation/approve/", views.bulk_approve, name="bulk_approve"),
    path("contributors/", views.contributor_list, name="contributor_list"),
    path("contributors/<int:pk>/", views.contributor_detail, name="contributor_detail"),
    path("<int:pk>/", views.contribution_detail, name="contribution_detail"),
    path("<int:pk>/edit/", views.contribution_edit, name="contribution_edit"),
    path("<int:pk>/answer/", views.contribution_resubmit, name="contribution_resubmit"),
    path("<int:pk>/withdraw/", views.contribution_withdraw, name="contribution_withdraw"),
    path("<int:pk>/moderate/", views.contribution_moderate, name="contribution_moderate"),
]
