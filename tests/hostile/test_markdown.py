"""Hostile Markdown in a description: legitimately accepted (a description is Markdown), stored
as sent, and shown without any active content. The one corpus group that asserts acceptance,
because refusing Markdown would refuse honest descriptions; the refusal side (a Markdown bomb
over the size cap) is in test_api.py."""

from __future__ import annotations

import re
from http import HTTPStatus

import pytest

from tests.hostile.conftest import row_counts
from tests.hostile.test_api import ENDPOINT, valid_body

pytestmark = pytest.mark.django_db

MARKDOWN_CASES = {
    "script-tag": "<script>alert(document.cookie)</script>",
    "img-onerror": '<img src="x" onerror="alert(1)">',
    "javascript-link": "[click me](javascript:alert(1))",
    "javascript-link-entity": "[x](jav&#x61;script:alert(1))",
    "data-link": "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "iframe": '<iframe src="https://evil.example/"></iframe>',
    "svg-onload": '<svg onload="alert(1)"><circle r="1"/></svg>',
    "style-tag": "<style>body{display:none}</style>",
    "reference-link": "[x][evil]\n\n[evil]: javascript:alert(1)",
    "autolink-javascript": "<javascript:alert(1)>",
    "form-tag": '<form action="https://evil.example/"><input name="password"></form>',
    "object-tag": '<object data="evil.swf"></object>',
}

ACTIVE = [
    re.compile(r"<script", re.I),
    re.compile(r"\son\w+\s*=", re.I),
    re.compile(r"javascript:", re.I),
    re.compile(r"<iframe|<object|<embed|<form[\s>]", re.I),
    re.compile(r"href=\"data:", re.I),
]


@pytest.mark.parametrize("markdown", list(MARKDOWN_CASES.values()), ids=list(MARKDOWN_CASES))
def test_hostile_markdown_is_stored_and_shown_inert(client, contributor_api, world, markdown):
    before = row_counts()
    body = {**valid_body(), "description": markdown}
    response = contributor_api.post(ENDPOINT, body, format="json")
    assert response.status_code == HTTPStatus.CREATED
    assert response.json()["description"] == markdown  # stored as sent: nothing silently lost
    after = row_counts()
    assert after["contributions.Contribution"] == before["contributions.Contribution"] + 1

    client.force_login(world["contributor_user"])
    page = client.get(f"/contributions/{response.json()['id']}/").content.decode()
    # The rendered description, up to the end of its section.
    shown = page.split('<div class="description">', 1)[1].split("</section>", 1)[0]
    for pattern in ACTIVE:
        assert not pattern.search(shown), (pattern.pattern, shown)
