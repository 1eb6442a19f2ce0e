"""What every response carries: the Content Security Policy and the request id; and pages that the
policy does not break (no inline script, handler or style)."""

import logging
import re
from html.parser import HTMLParser
from http import HTTPStatus

import pytest
from django.urls import reverse

from cartography.middleware import DEFAULT_CSP, build_policy
from tests import factories

pytestmark = pytest.mark.django_db

EXPECTED_CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "object-src 'none'; base-uri 'self'; frame-ancestors 'none'; form-action 'self'"
)


@pytest.fixture
def seeded(project, maintainer, contributor_user):
    contributor = factories.ContributorFactory(user=contributor_user)
    approved = factories.ContributionFactory(
        project=project, contributor=contributor, status="approved"
    )
    pending = factories.ContributionFactory(project=project, contributor=contributor)
    return {"project": project, "approved": approved, "pending": pending}


def public_pages(seeded) -> list[str]:
    return [
        reverse("home"),
        reverse("projects:project_list"),
        reverse("projects:project_detail", kwargs={"slug": seeded["project"].slug}),
        reverse("contributions:contribution_list"),
        reverse("contributions:contributor_list"),
        reverse("contributions:contribution_detail", kwargs={"pk": seeded["approved"].pk}),
        reverse("account_login"),
        reverse("account_signup"),
        reverse("account_reset_password"),
    ]


def signed_in_pages(seeded) -> list[str]:
    return [
        reverse("contributions:contribution_create"),
        reverse("contributions:my_contributions"),
        reverse("contributions:moderation_queue"),
        reverse("contributions:contribution_detail", kwargs={"pk": seeded["pending"].pk}),
        reverse("accounts:profile"),
        reverse("projects:project_propose"),
    ]


def test_the_policy_is_the_platforms_own_origin_only():
    assert build_policy(DEFAULT_CSP) == EXPECTED_CSP
    assert "unsafe" not in EXPECTED_CSP and "*" not in EXPECTED_CSP


def test_every_public_page_sends_the_policy(client, seeded):
    for url in public_pages(seeded):
        response = client.get(url)
        assert response.status_code == HTTPStatus.OK, url
        assert response["Content-Security-Policy"] == EXPECTED_CSP, url


def test_api_health_and_errors_send_the_policy(client, seeded):
    for url in ("/api/v1/projects/", "/healthz", "/readyz", "/no-such-page/"):
        response = client.get(url)
        assert response["Content-Security-Policy"] == EXPECTED_CSP, url


JSON_TYPES = ("application/json", "application/ld+json")


class InlineCode(HTMLParser):
    """Collects what a strict policy would block: inline <script>, on* handlers, style
    attributes and <style> elements, javascript: links."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "script":
            kind = (attributes.get("type") or "").lower()
            # JSON data islands (json_script) are not executed: allowed by script-src 'self'.
            if not attributes.get("src") and kind not in JSON_TYPES:
                self._in_script = True
        if tag == "style":
            self.found.append("<style> element")
        for name, value in attrs:
            if name.startswith("on"):
                self.found.append(f"<{tag} {name}=...>")
            if name == "style":
                self.found.append(f"<{tag} style=...>")
            if name in ("href", "src", "action") and (value or "").strip().lower().startswith(
                "javascript:"
            ):
                self.found.append(f"<{tag} {name}=javascript:...>")

    def handle_data(self, data):
        if self._in_script and data.strip():
            self.found.append(f"inline script: {data.strip()[:60]!r}")

    def handle_endtag(self, tag):
        if tag == "script":
            self._in_script = False


def inline_code(html: str) -> list[str]:
    parser = InlineCode()
    parser.feed(html)
    return parser.found


def test_the_inline_code_detector_finds_what_the_policy_blocks():
    html = (
        '<script>alert(1)</script><a href="javascript:x()">x</a><p style="color:red" '
        'onclick="x()"></p><style>p{}</style><script src="/static/a.js"></script>'
        '<script type="application/json" id="d">{"a": 1}</script>'
    )
    assert len(inline_code(html)) == 5


def test_pages_use_no_inline_script_or_style(client, seeded, maintainer):
    offenders = {}
    for url in public_pages(seeded):
        found = inline_code(client.get(url).content.decode())
        if found:
            offenders[url] = found
    client.force_login(maintainer)
    for url in signed_in_pages(seeded):
        response = client.get(url)
        assert response.status_code == HTTPStatus.OK, url
        found = inline_code(response.content.decode())
        if found:
            offenders[url] = found
    assert offenders == {}


# REQUEST ID
# ------------------------------------------------------------------------------
def test_a_request_without_an_id_gets_a_new_one(client):
    first = client.get("/healthz")["X-Request-ID"]
    second = client.get("/healthz")["X-Request-ID"]
    assert re.fullmatch(r"[0-9a-f]{32}", first)
    assert first != second


def test_a_well_formed_id_from_the_caller_is_kept(client):
    response = client.get("/healthz", headers={"X-Request-ID": "lb-7f3a.42:abc"})
    assert response["X-Request-ID"] == "lb-7f3a.42:abc"


@pytest.mark.parametrize(
    "hostile",
    ["", "two words", "x" * 129, "id\r\nSet-Cookie: a=b", "<script>", "ünïcode", "-leading-dash"],
)
def test_a_malformed_id_is_replaced(client, hostile):
    response = client.get("/healthz", headers={"X-Request-ID": hostile})
    assert re.fullmatch(r"[0-9a-f]{32}", response["X-Request-ID"])


def test_one_structured_line_per_request_with_its_id(client, caplog, seeded):
    caplog.set_level(logging.INFO, logger="cartography.request")
    response = client.get(reverse("projects:project_list"), headers={"X-Request-ID": "trace-me-1"})
    records = [r for r in caplog.records if r.name == "cartography.request"]
    assert len(records) == 1
    record = records[0]
    assert record.request_id == "trace-me-1"
    assert record.status == response.status_code == HTTPStatus.OK
    assert record.method == "GET"
    assert record.path == reverse("projects:project_list")
    assert record.duration_ms >= 0


def test_logs_made_during_a_request_carry_its_id(client, caplog, contributor_user):
    """The filter on the console handler stamps every record; here the audit line of a failed
    sign-in, logged deep inside Django's authentication."""
    from cartography.logging import ContextFilter

    handler_filter = ContextFilter()
    caplog.handler.addFilter(handler_filter)
    try:
        client.post(
            reverse("account_login"),
            {"login": "contributor", "password": "wrong-password"},
            headers={"X-Request-ID": "trace-login-1"},
        )
    finally:
        caplog.handler.removeFilter(handler_filter)
    audit = [r for r in caplog.records if getattr(r, "event", "") == "auth.login_failed"]
    assert len(audit) == 1
    assert audit[0].request_id == "trace-login-1"


def test_the_json_formatter_writes_one_object_with_the_id():
    import json

    from cartography.logging import ContextFilter, JsonFormatter, request_id_var

    record = logging.LogRecord("x", logging.INFO, __file__, 1, "hello %s", ("world",), None)
    record.request = object()  # Django attaches requests and sockets; they must not leak
    token = request_id_var.set("abc123")
    try:
        ContextFilter().filter(record)
    finally:
        request_id_var.reset(token)
    line = JsonFormatter().format(record)
    data = json.loads(line)
    assert data["message"] == "hello world"
    assert data["request_id"] == "abc123"
    assert data["level"] == "INFO"
    assert "request" not in data
    assert "\n" not in line
