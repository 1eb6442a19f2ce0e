"""The OpenAPI schema: generated without a warning, complete, and served with its documentation
pages from the platform's own static files (no CDN)."""

import re
from http import HTTPStatus

import pytest
from django.contrib.staticfiles import finders
from django.core.management import call_command
from drf_spectacular.generators import SchemaGenerator

pytestmark = pytest.mark.django_db


def test_schema_generates_and_validates_with_warnings_as_failures(tmp_path):
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "s.yml"))
    assert (tmp_path / "s.yml").read_text().startswith("openapi: 3")


def test_every_operation_documents_its_errors_in_the_one_shape():
    schema = SchemaGenerator().get_schema(request=None, public=True)
    assert set(schema["components"]["schemas"]["Error"]["required"]) == {
        "status",
        "code",
        "detail",
        "errors",
    }
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            responses = operation["responses"]
            assert {"401", "429"} <= set(responses), f"{method} {path}"
            if method in ("post", "patch"):
                assert {"400", "403"} <= set(responses), f"{method} {path}"
            if "{" in path:
                assert "404" in responses, f"{method} {path}"
            if method == "post" and re.search(r"/contributions/\{id\}/[a-z-]+/$", path):
                assert "409" in responses, f"{method} {path}"


def test_token_and_session_are_the_documented_schemes():
    schema = SchemaGenerator().get_schema(request=None, public=True)
    schemes = schema["components"]["securitySchemes"]
    assert schemes["tokenAuth"] == {
        "type": "http",
        "scheme": "bearer",
        "description": schemes["tokenAuth"]["description"],
    }
    assert "cookieAuth" in schemes


def test_schema_and_docs_are_served_without_a_cdn(client):
    response = client.get("/api/schema/")
    assert response.status_code == HTTPStatus.OK
    assert b"/api/v1/contributions/" in response.content
    for url in ("/api/docs/", "/api/docs/redoc/", "/api/docs/?script="):
        response = client.get(url)
        assert response.status_code == HTTPStatus.OK
        html = response.content.decode()
        assert "<script>" not in html  # no inline script: the site's CSP allows none
        assets = re.findall(r"""(?:src|href|url)[=:] ?["']([^"']+)["']""", html)
        assert assets, url
        external = [a for a in assets if a.startswith(("http:", "https:", "//"))]
        assert external == [], f"{url} loads {external}"
        for asset in assets:
            if "/static/" in asset:
                assert finders.find(asset.split("/static/", 1)[1].split("?")[0]), asset
