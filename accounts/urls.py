"""This site's account pages, under accounts/ beside allauth's (cartography/urls.py includes
this module first, so the sign-in view here answers accounts/login/ in place of allauth's)."""

from django.urls import include, path

from accounts import views

app_name = "accounts"

urlpatterns = [
    # allauth's `account_login`, with the site's sign-in limits: reverse it by that name.
    path("login/", views.SignInView.as_view()),
    path("profile/", views.profile, name="profile"),
    path("delete/", views.delete_account, name="delete"),
    path("tokens/", include("accounts.token_urls")),
]
