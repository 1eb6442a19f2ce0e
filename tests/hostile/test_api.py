"""Hostile input to the REST API: logging a contribution, raw request bodies, moderation.

Each case is data: what is sent, the status expected, the field the error must name (the API's
one error shape: `detail` for a person, `errors` by field) and words the message must contain.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any

import pytest

from tests.hostile.conftest import row_counts, token_client

pytestmark = pytest.mark.django_db

ENDPOINT = "/api/v1/contributions/"
TODAY = dt.date.today()


def valid_body() -> dict[str, Any]:
    return {
        "project": "bielik",
        "type": "data_annotation",
        "title": "Annotated 500 Polish preference pairs",
        "description": "Pairs for the *instruct* model; see the linked dataset.",
        "occurred_on": (TODAY - dt.timedelta(days=10)).isoformat(),
        "quantity": "500",
        "unit": "items annotated",
        "phase": "post_training",
        "compensation": "volunteer",
        "evidence_urls": ["https://huggingface.co/datasets/speakleash/pairs"],
        "languages": ["pol"],
    }


DROP = object()  # a field's value that means "leave the field out"


@dataclass(frozen=True)
class Case:
    id: str
    changes: dict[str, Any]
    field: str | None  # the field `errors` must name (None: any, e.g. non_field_errors)
    words: tuple[str, ...] = ()
    status: int = HTTPStatus.BAD_REQUEST
    marks: tuple = field(default=())


def body_for(case: Case) -> dict[str, Any]:
    body = valid_body()
    for name, value in case.changes.items():
        if value is DROP:
            body.pop(name, None)
        else:
            body[name] = value
    return body


LONG_URL = "https://example.org/" + "a" * 490

CREATE_CASES = [
    # WRONG TYPES
    Case("title-list", {"title": ["a title"]}, "title", ("valid string",)),
    Case("title-object", {"title": {"en": "a title"}}, "title"),
    Case("title-bool", {"title": True}, "title"),
    Case("quantity-word", {"quantity": "lots"}, "quantity", ("number",)),
    Case("quantity-list", {"quantity": [1]}, "quantity"),
    Case("date-integer", {"occurred_on": 20250110}, "occurred_on"),
    Case("date-us-format", {"occurred_on": "01/10/2025"}, "occurred_on", ("format",)),
    Case("evidence-string", {"evidence_urls": "https://example.org"}, "evidence_urls"),
    Case("evidence-numbers", {"evidence_urls": [123]}, "evidence_urls"),
    Case("languages-string", {"languages": "pol"}, "languages"),
    Case("project-id-not-slug", {"project": 1}, "project"),
    Case("type-list", {"type": ["code"]}, "type"),
    Case("phase-number", {"phase": 7}, "phase"),
    Case("compensation-null", {"compensation": None}, "compensation"),
    # MISSING FIELDS
    Case("no-project", {"project": DROP}, "project", ("required",)),
    Case("no-type", {"type": DROP}, "type", ("required",)),
    Case("no-title", {"title": DROP}, "title", ("required",)),
    Case("empty-title", {"title": ""}, "title", ("blank",)),
    Case("whitespace-title", {"title": "   \t  "}, "title"),
    Case(
        "quantity-without-unit",
        {"type": "funding", "unit": DROP},
        "unit",
        ("quantity counts",),
    ),
    # EXTRA FIELDS: a client may not set what only the platform sets, and a typo must not be
    # dropped in silence (the date would be lost).
    Case("extra-status", {"status": "approved"}, "status"),
    Case("extra-contributor", {"contributor": 1}, "contributor"),
    Case("extra-source", {"source": "import"}, "source"),
    Case("typo-occured-on", {"occured_on": "2025-01-01"}, "occured_on"),
    # OVERLONG STRINGS
    Case("title-201", {"title": "x" * 201}, "title", ("200",)),
    Case("title-100k", {"title": "x" * 100_000}, "title", ("200",)),
    Case("description-20001", {"description": "x" * 20_001}, "description", ("20000",)),
    Case("unit-41", {"unit": "u" * 41}, "unit", ("40",)),
    Case("evidence-url-501", {"evidence_urls": [LONG_URL + "bbbbbbbbbbbb"]}, "evidence_urls"),
    Case(
        "eleven-evidence-links",
        {"evidence_urls": [f"https://example.org/{n}" for n in range(11)]},
        "evidence_urls",
        ("10",),
    ),
    # CONTROL CHARACTERS
    Case("nul-in-title", {"title": "Annotated\x00pairs"}, "title", ("null",)),
    Case("nul-in-description", {"description": "text\x00more"}, "description", ("null",)),
    Case("nul-in-unit", {"unit": "items\x00"}, "unit", ("null",)),
    # MIXED SCRIPTS in identifiers: a homoglyph is not the identifier it imitates.
    Case("cyrillic-o-in-type", {"type": "c\u043ede"}, "type"),
    Case("cyrillic-i-in-project", {"project": "b\u0456elik"}, "project"),
    Case("cyrillic-language-code", {"languages": ["\u0440ol"]}, "languages"),
    Case("quantity-with-unit-text", {"quantity": "500 items"}, "quantity"),
    # INVALID DATES
    Case("february-30", {"occurred_on": "2025-02-30"}, "occurred_on"),
    Case("month-13", {"occurred_on": "2025-13-01"}, "occurred_on"),
    Case("year-zero", {"occurred_on": "0000-01-01"}, "occurred_on"),
    Case("far-future", {"occurred_on": "2999-01-01"}, "occurred_on", ("future",)),
    Case(
        "tomorrow",
        {"occurred_on": (TODAY + dt.timedelta(days=2)).isoformat()},
        "occurred_on",
        ("future",),
    ),
    Case("date-words", {"occurred_on": "last tuesday"}, "occurred_on"),
    # NEGATIVE AND HUGE QUANTITIES
    Case("negative", {"quantity": "-1"}, "quantity"),
    Case("negative-cent", {"quantity": "-0.01"}, "quantity"),
    Case("over-a-billion", {"quantity": "1000000000.01"}, "quantity"),
    Case("exponent", {"quantity": "1e30"}, "quantity"),
    Case("three-decimals", {"quantity": "1.234"}, "quantity", ("decimal",)),
    Case("nan", {"quantity": "NaN"}, "quantity"),
    Case("infinity", {"quantity": "Infinity"}, "quantity"),
    # HOSTILE URLS
    Case("javascript-url", {"evidence_urls": ["javascript:alert(1)"]}, "evidence_urls"),
    Case(
        "data-url",
        {"evidence_urls": ["data:text/html,<script>alert(1)</script>"]},
        "evidence_urls",
    ),
    Case("file-url", {"evidence_urls": ["file:///etc/passwd"]}, "evidence_urls"),
    Case("scheme-relative-url", {"evidence_urls": ["//evil.example/x"]}, "evidence_urls"),
    Case("header-injection-url", {"evidence_urls": ["https://a.org/\r\nX-A: b"]}, "evidence_urls"),
    Case("space-in-host", {"evidence_urls": ["https://exa mple.org/"]}, "evidence_urls"),
    # HOSTILE MARKDOWN that is also refused: the size of a Markdown bomb is capped.
    Case("nested-quote-bomb", {"description": ">" * 25_000 + " x"}, "description", ("20000",)),
    # REFERENCES that do not exist or may not be used
    Case("unknown-project", {"project": "no-such-project"}, "project"),
    Case("foreign-artifact", {"artifact": "other-model"}, "artifact"),
    Case("unknown-language", {"languages": ["xx1"]}, "languages"),
    Case("unknown-type", {"type": "hacking"}, "type"),
]


def assert_refused(response, *, status: int, field: str | None, words=()) -> dict:
    assert response.status_code == status, response.content[:500]
    body = response.json()
    assert set(body) >= {"status", "code", "detail", "errors"}
    assert body["status"] == status
    assert body["detail"].strip(), "an empty message helps nobody"
    assert "Traceback" not in body["detail"]
    if field is not None:
        # Nested input is named with dots (evidence_urls.0): the field or one of its items.
        assert any(key == field or key.startswith(f"{field}.") for key in body["errors"]), body
    text = (body["detail"] + " " + json.dumps(body["errors"])).lower()
    for word in words:
        assert word.lower() in text, body
    return body


def test_the_valid_body_is_accepted(contributor_api, world):
    """The corpus's refusals are the mutations', not a broken starting point."""
    response = contributor_api.post(ENDPOINT, valid_body(), format="json")
    assert response.status_code == HTTPStatus.CREATED, response.content[:500]


@pytest.mark.parametrize("case", [pytest.param(c, id=c.id, marks=c.marks) for c in CREATE_CASES])
def test_logging_a_contribution_refuses(contributor_api, world, case):
    before = row_counts()
    response = contributor_api.post(ENDPOINT, body_for(case), format="json")
    assert_refused(response, status=case.status, field=case.field, words=case.words)
    assert row_counts() == before


# RAW BODIES: malformed JSON, wrong media types and encodings
# ------------------------------------------------------------------------------
@dataclass(frozen=True)
class RawCase:
    id: str
    body: bytes
    content_type: str
    status: int = HTTPStatus.BAD_REQUEST
    words: tuple[str, ...] = ()
    marks: tuple = ()


def _json(value: Any) -> bytes:
    return json.dumps(value).encode()


RAW_CASES = [
    RawCase(
        "truncated-json", b'{"project": "bielik", "title": ', "application/json", words=("JSON",)
    ),
    RawCase("single-quotes", b"{'project': 'bielik'}", "application/json", words=("JSON",)),
    RawCase("trailing-comma", b'{"project": "bielik",}', "application/json", words=("JSON",)),
    RawCase("nan-literal", b'{"project": "bielik", "quantity": NaN}', "application/json"),
    RawCase("top-level-array", _json([valid_body()]), "application/json", words=("dictionary",)),
    RawCase("top-level-null", b"null", "application/json"),
    RawCase("top-level-string", b'"bielik"', "application/json"),
    RawCase(
        "deeply-nested",
        b"[" * 100_000 + b"]" * 100_000,
        "application/json",
    ),
    RawCase("utf16-body", json.dumps(valid_body()).encode("utf-16"), "application/json"),
    RawCase(
        "latin1-body",
        json.dumps({**valid_body(), "title": "Zażółć"}, ensure_ascii=False)
        .encode("latin-1", "replace")
        .replace(b"?", b"\xbf"),
        "application/json",
    ),
    RawCase("invalid-utf8", b'{"title": "\xff\xfe\xfd"}', "application/json"),
    RawCase(
        "plain-text",
        b"project=bielik",
        "text/plain",
        status=HTTPStatus.UNSUPPORTED_MEDIA_TYPE,
        words=("media type",),
    ),
    RawCase(
        "xml",
        b"<contribution><title>x</title></contribution>",
        "application/xml",
        status=HTTPStatus.UNSUPPORTED_MEDIA_TYPE,
    ),
    RawCase(
        "yaml",
        b"project: bielik\ntitle: x\n",
        "application/x-yaml",
        status=HTTPStatus.UNSUPPORTED_MEDIA_TYPE,
    ),
    RawCase("empty-json", b"", "application/json"),
]


@pytest.mark.parametrize("case", [pytest.param(c, id=c.id, marks=c.marks) for c in RAW_CASES])
def test_a_malformed_body_is_refused(contributor_api, world, case):
    before = row_counts()
    response = contributor_api.generic("POST", ENDPOINT, case.body, content_type=case.content_type)
    assert_refused(response, status=case.status, field=None, words=case.words)
    assert row_counts() == before


def test_an_oversized_body_is_refused_before_it_is_parsed(contributor_api, world, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024 * 1024
    before = row_counts()
    body = _json({**valid_body(), "description": "x" * (2 * 1024 * 1024)})
    response = contributor_api.generic("POST", ENDPOINT, body, content_type="application/json")
    assert response.status_code in (HTTPStatus.BAD_REQUEST, HTTPStatus.REQUEST_ENTITY_TOO_LARGE)
    assert row_counts() == before


# MODERATION AND EDITS: roles, transitions, notes
# ------------------------------------------------------------------------------
@dataclass(frozen=True)
class ActionCase:
    id: str
    actor: str  # a key of the world fixture naming a user
    target: str  # a key of the world fixture naming a contribution, or a raw id
    action: str
    body: Any
    status: int
    field: str | None = None
    words: tuple[str, ...] = ()
    method: str = "post"
    marks: tuple = ()


ACTION_CASES = [
    ActionCase("reject-without-note", "maintainer", "pending", "reject", {}, 400, "note", ("why",)),
    ActionCase(
        "reject-blank-note", "maintainer", "pending", "reject", {"note": " \n "}, 400, "note"
    ),
    ActionCase(
        "request-changes-no-note", "maintainer", "pending", "request-changes", {}, 400, "note"
    ),
    ActionCase(
        "note-2001", "maintainer", "pending", "reject", {"note": "n" * 2001}, 400, "note", ("2000",)
    ),
    ActionCase("note-object", "maintainer", "pending", "approve", {"note": {"a": 1}}, 400, "note"),
    ActionCase("note-nul", "maintainer", "pending", "reject", {"note": "why\x00"}, 400, "note"),
    ActionCase("approve-own", "maintainer", "own", "approve", {}, 403, None, ("own",)),
    ActionCase("contributor-approves", "contributor_user", "pending", "approve", {}, 403),
    # Not visible to them, so answered as if it did not exist.
    ActionCase("other-maintainer-approves", "other_maintainer", "pending", "approve", {}, 404),
    ActionCase(
        "approve-approved", "maintainer", "approved", "approve", {}, 409, None, ("approved",)
    ),
    ActionCase("revoke-pending", "maintainer", "pending", "revoke", {"note": "x"}, 409),
    ActionCase("approve-missing", "maintainer", "999999", "approve", {}, 404),
    ActionCase("withdraw-by-maintainer", "maintainer", "pending", "withdraw", {}, 403),
    ActionCase("resubmit-pending", "contributor_user", "pending", "resubmit", {}, 409),
    ActionCase(
        "edit-approved-by-contributor",
        "contributor_user",
        "approved",
        "",
        {"title": "Changed after approval"},
        409,
        method="patch",
    ),
    ActionCase(
        "edit-blank-title",
        "contributor_user",
        "pending",
        "",
        {"title": ""},
        400,
        "title",
        method="patch",
    ),
    ActionCase(
        "edit-status",
        "contributor_user",
        "pending",
        "",
        {"status": "approved"},
        400,
        "status",
        method="patch",
    ),
]


@pytest.mark.parametrize("case", [pytest.param(c, id=c.id, marks=c.marks) for c in ACTION_CASES])
def test_a_refused_action_changes_nothing(world, case):
    client = token_client(world[case.actor])
    target = world[case.target].pk if case.target in world else case.target
    url = f"{ENDPOINT}{target}/" + (f"{case.action}/" if case.action else "")
    before = row_counts()
    statuses = {c.pk: c.status for c in (world["pending"], world["approved"], world["own"])}
    response = getattr(client, case.method)(url, case.body, format="json")
    assert_refused(response, status=case.status, field=case.field, words=case.words)
    assert row_counts() == before
    for contribution in (world["pending"], world["approved"], world["own"]):
        contribution.refresh_from_db()
        assert contribution.status == statuses[contribution.pk]


def test_a_double_decision_is_refused_the_second_time(maintainer_api, world):
    """The same approval sent twice (a double click, a retry): the second is a 409 naming who
    decided, and changes nothing."""
    url = f"{ENDPOINT}{world['pending'].pk}/approve/"
    assert maintainer_api.post(url, {}, format="json").status_code == HTTPStatus.OK
    before = row_counts()
    response = maintainer_api.post(url, {}, format="json")
    assert_refused(response, status=HTTPStatus.CONFLICT, field=None, words=("maintainer",))
    assert row_counts() == before
