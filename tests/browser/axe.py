"""axe-core in a Playwright page: run it, keep the serious and critical violations, say them.

The vendored script (static/vendor/axe-core/) is evaluated through the DevTools protocol, which the
page's Content Security Policy does not govern, so the policy stays as served.
"""

from functools import cache
from pathlib import Path

AXE_VERSION = "4.14.1"
VENDOR = Path(__file__).resolve().parents[2] / "static" / "vendor"
AXE_SCRIPT = VENDOR / "axe-core" / AXE_VERSION / "axe.min.js"
# The impacts that fail a page; "moderate" and "minor" findings are not gated.
FAILING_IMPACTS = ("serious", "critical")

RUN_AXE = """
async () => {
  const results = await axe.run(document, {resultTypes: ['violations']});
  return results.violations.map(v => ({
    id: v.id,
    impact: v.impact,
    help: v.help,
    helpUrl: v.helpUrl,
    targets: v.nodes.map(n => n.target.join(' ')),
    summary: v.nodes.length ? (v.nodes[0].failureSummary || '') : '',
  }));
}
"""


@cache
def _source() -> str:
    # Wrapped so that evaluating it yields nothing (not the library object) to Playwright.
    return "(() => {\n" + AXE_SCRIPT.read_text(encoding="utf-8") + "\n})(); void 0;"


def violations(page) -> list[dict]:
    """axe-core's serious and critical violations on the page as it stands."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.evaluate(_source())
    found = page.evaluate(RUN_AXE)
    return [v for v in found if v["impact"] in FAILING_IMPACTS]


def describe(where: str, found: list[dict]) -> list[str]:
    """One readable line per violation: where, rule, impact, what it asks, the elements, help."""
    return [
        f"{where}: {v['id']} ({v['impact']}): {v['help']}; "
        f"targets {v['targets'][:5]}{' …' if len(v['targets']) > 5 else ''}; "
        f"{_first_reason(v['summary'])} ({v['helpUrl']})"
        for v in found
    ]


def _first_reason(summary: str) -> str:
    # axe's summary reads "Fix any of the following:\n  <reason>\n  <reason>…"
    lines = [line.strip() for line in summary.splitlines() if line.strip()]
    return lines[1] if len(lines) > 1 else "".join(lines)
