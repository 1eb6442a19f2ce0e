"""Markdown descriptions rendered for people, safely.

Contributors write Markdown; raw HTML inside it is allowed by the Markdown package, so the output
is always passed through nh3 (ammonia) with a short allow-list: no script or style, no event
handler attributes, no images (a remote image is a tracking pixel), and links only to http(s) and
mailto. Links get rel="nofollow noopener noreferrer ugc": they are user content.
"""

import re

import markdown as markdown_lib
import nh3
from django.utils.safestring import SafeString, mark_safe

ALLOWED_TAGS = {
    "a",
    "abbr",
    "blockquote",
    "br",
    "code",
    "dd",
    "del",
    "dl",
    "dt",
    "em",
    "h3",
    "h4",
    "h5",
    "h6",
    "hr",
    "li",
    "ol",
    "p",
    "pre",
    "strong",
    "sub",
    "sup",
    "table",
    "tbody",
    "td",
    "th",
    "thead",
    "tr",
    "ul",
}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "abbr": {"title"}, "th": {"align"}, "td": {"align"}}
ALLOWED_URL_SCHEMES = {"http", "https", "mailto"}
LINK_REL = "nofollow noopener noreferrer ugc"
# The page owns h1 and h2; a description's own top headings become h3 so the outline stays sound.
_TOP_HEADING = re.compile(r"<(/?)h[12]\b")


def render_markdown(text: str) -> SafeString:
    """Markdown to sanitized HTML, safe to insert into a page."""
    if not text:
        return mark_safe("")
    html = markdown_lib.markdown(text, extensions=["extra", "sane_lists"], output_format="html")
    html = _TOP_HEADING.sub(r"<\1h3", html)
    cleaned = nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=ALLOWED_URL_SCHEMES,
        link_rel=LINK_REL,
        strip_comments=True,
    )
    return mark_safe(cleaned)  # noqa: S308 (sanitized by nh3 just above)
