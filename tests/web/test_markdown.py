"""Markdown descriptions are rendered, then sanitized: hostile input never reaches a page as
script, event handlers, javascript: links, frames, images or styles."""

import re

import pytest

from contributions.markdown import render_markdown
from tests import factories

HOSTILE = [
    "<script>alert('x')</script>",
    "<SCRIPT SRC=//evil.example/x.js></SCRIPT>",
    '<img src=x onerror="alert(1)">',
    '<a href="https://ok.example" onclick="alert(1)">click</a>',
    "<svg onload=alert(1)><circle r=1></svg>",
    "[click](javascript:alert(1))",
    "[click](JaVaScRiPt:alert(1))",
    "[click](&#106;avascript:alert(1))",
    "[click](  javascript:alert(1))",
    '<a href="jav&#x09;ascript:alert(1)">x</a>',
    "[data](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "![pixel](https://tracker.example/p.gif)",
    '<iframe src="https://evil.example"></iframe>',
    '<p style="position:fixed;top:0">overlay</p>',
    "<style>body{display:none}</style>",
    '<form action="https://evil.example"><input name=p></form>',
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    '<div onmouseover="alert(1)">hover</div>',
    "<object data=x></object><embed src=x>",
    '<meta http-equiv="refresh" content="0;url=https://evil.example">',
]

FORBIDDEN = [
    re.compile(r"<\s*script", re.I),
    re.compile(r"\son\w+\s*=", re.I),
    re.compile(r"javascript:", re.I),
    re.compile(r"data:text", re.I),
    re.compile(r"<\s*(iframe|img|svg|style|form|input|object|embed|meta|math)\b", re.I),
    re.compile(r"\sstyle\s*=", re.I),
]


@pytest.mark.parametrize("text", HOSTILE)
def test_hostile_markdown_is_neutralised(text):
    html = str(render_markdown(text))
    for pattern in FORBIDDEN:
        assert not pattern.search(html), (pattern.pattern, html)


def test_ordinary_markdown_survives():
    html = str(
        render_markdown(
            "# Batch 3\n\nRated **3,000** pairs, see [the card](https://example.org/card).\n\n"
            "- Polish\n- Kashubian\n\n`code`"
        )
    )
    assert "<h3>Batch 3</h3>" in html  # the page owns h1 and h2
    assert "<strong>3,000</strong>" in html
    assert 'href="https://example.org/card"' in html
    assert 'rel="nofollow noopener noreferrer ugc"' in html
    assert html.count("<li>") == 2
    assert "<code>code</code>" in html


@pytest.mark.django_db
def test_the_entry_page_shows_sanitized_markdown(client, project):
    description = "**Kept**\n\n" + "\n\n".join(HOSTILE)
    entry = factories.ContributionFactory(
        project=project, status="approved", description=description
    )
    page = client.get(entry.get_absolute_url()).content.decode()
    body = page[page.index('id="description-heading"') : page.index('id="evidence-heading"')]
    assert "<strong>Kept</strong>" in body
    for pattern in FORBIDDEN:
        assert not pattern.search(body), pattern.pattern
