"""The one API router: every endpoint under /api/v1/."""

urlpatterns: list = []
