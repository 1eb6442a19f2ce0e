"""Swagger and ReDoc send people to the page where tokens really are created."""

import pytest
from django.conf import settings
from django.test import Client

pytestmark = pytest.mark.django_db


def test_the_schema_says_where_tokens_are_created():
    schema = Client().get("/api/schema/", HTTP_ACCEPT="application/json").content.decode()
    assert "profile page" not in schema
    assert "/accounts/tokens/" in schema
    assert "/accounts/tokens/" in settings.SPECTACULAR_SETTINGS["DESCRIPTION"]


def test_the_tokens_page_is_where_the_schema_says(client, contributor_user):
    client.force_login(contributor_user)
    assert client.get("/accounts/tokens/").status_code == 200
