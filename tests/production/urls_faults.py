"""A URLconf for the 503 tests: the site's URLs plus views that meet a lost database."""

from django.db import InterfaceError, OperationalError
from django.urls import path

from cartography.urls import urlpatterns as site_urlpatterns


def lost_connection(request):
    raise OperationalError("server closed the connection unexpectedly")


def closed_connection(request):
    raise InterfaceError("connection already closed")


def programming_bug(request):
    raise ZeroDivisionError("a bug, not an outage")


urlpatterns = [
    path("fault/operational/", lost_connection),
    path("fault/interface/", closed_connection),
    path("api/v1/fault/operational/", lost_connection),
    path("fault/bug/", programming_bug),
    *site_urlpatterns,
]
