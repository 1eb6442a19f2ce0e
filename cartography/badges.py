"""SVG badges for a project's README: "non-code work 62%", "MOF Class II", "contributions 1,234".

Flat badges in the shields.io style, drawn as plain SVG text (no scripts, no external fonts), so
they render anywhere a README is shown. Their numbers come from the rollups (the non-code share,
the contribution count) and from the registry (the best MOF class among the project's models);
the view caches each badge.
"""

from __future__ import annotations

from dataclasses import dataclass
from html import escape

from contributions.stats_reader import percent_text

# Approximate width of a character of 11px Verdana, the face the shields.io badges use; close
# enough that labels never overflow their box.
CHAR_WIDTH = 6.5
PADDING = 10
HEIGHT = 20

COLOURS = {
    "good": "#1c6b32",
    "fair": "#7a4d00",
    "poor": "#b01c1c",
    "none": "#4f5966",
    "label": "#1b1f24",
}


@dataclass(frozen=True)
class Badge:
    label: str
    message: str
    tone: str  # a key of COLOURS

    def title(self) -> str:
        return f"{self.label}: {self.message}"


def _width(text: str) -> int:
    return int(len(text) * CHAR_WIDTH + 2 * PADDING)


def render_badge(badge: Badge) -> str:
    """The badge as an SVG document (escaped text; colours as fills, nothing external)."""
    left = _width(badge.label)
    right = _width(badge.message)
    total = left + right
    colour = COLOURS.get(badge.tone, COLOURS["none"])
    label, message, title = (escape(badge.label), escape(badge.message), escape(badge.title()))
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{total}" height="{HEIGHT}" '
        f'role="img" aria-label="{title}"><title>{title}</title>'
        f'<rect width="{left}" height="{HEIGHT}" fill="{COLOURS["label"]}"/>'
        f'<rect x="{left}" width="{right}" height="{HEIGHT}" fill="{colour}"/>'
        f'<g fill="#fff" text-anchor="middle" font-family="Verdana,DejaVu Sans,sans-serif" '
        f'font-size="11">'
        f'<text x="{left / 2}" y="14">{label}</text>'
        f'<text x="{left + right / 2}" y="14">{message}</text></g></svg>'
    )


def non_code_badge(share: float | None) -> Badge:
    """`share` is a fraction from 0 to 1, as every share in the data."""
    if share is None:
        return Badge("non-code work", "no data", "none")
    tone = "good" if share >= 0.5 else "fair" if share >= 0.2 else "poor"
    return Badge("non-code work", percent_text(share), tone)


def mof_badge(best_class: int | None) -> Badge:
    """The best (lowest-numbered) MOF class any of the project's models reaches."""
    if best_class is None:
        return Badge("MOF", "no model", "none")
    if best_class == 0:
        return Badge("MOF", "unclassified", "poor")
    tone = {1: "good", 2: "good", 3: "fair"}[best_class]
    return Badge("MOF", f"Class {'I' * best_class}", tone)


def contributions_badge(count: int | None) -> Badge:
    if count is None:
        return Badge("credited contributions", "no data", "none")
    return Badge("credited contributions", f"{count:,}", "good" if count else "none")


def osaid_badge(conforming: int | None, models: int) -> Badge:
    if not models:
        return Badge("OSAID 1.0", "no model", "none")
    tone = "good" if conforming == models else "fair" if conforming else "poor"
    return Badge("OSAID 1.0", f"{conforming} of {models} models conform", tone)
