"""Layout at 1366 px (a common laptop) and 390 px (a phone), in real Chromium: no page scrolls
sideways, no table is cut off without a scroll container of its own, the signed-in navigation
holds one line on the laptop, project names do not wrap into towers, compare's lifecycle legends
and the map legends stay readable, and the compare checkboxes carry no stray bullets.

Screenshots of the home, project, governance, compare and moderation pages at both widths go to
test-output/screenshots/.
"""

import pytest

from tests.browser.conftest import WIDTHS, new_page, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

COMPARE = "/compare/?projects=bielik&projects=olmo&projects=llama&projects=nb-llama"
# (name, path, signed in as): every kind of page a newcomer meets.
PAGES = [
    ("home", "/", None),
    ("project", "/projects/bielik/", None),
    ("governance", "/governance/", None),
    ("compare", COMPARE, None),
    ("projects", "/projects/", None),
    ("contributions", "/contributions/", None),
    ("openness", "/openness/", None),
    ("artifact", "/projects/artifacts/nb-llama-3-1-8b-instruct/", None),
    ("moderation", "/contributions/moderation/", "maintainer"),
    ("log-a-contribution", "/contributions/new/?project=bielik", "maintainer"),
]
SCREENSHOT_PAGES = {"home", "project", "governance", "compare", "moderation"}

# Every table: is it inside a horizontally scrolling container, and does it (or that container)
# fit the viewport? Cells whose text is cut (overflow hidden, ellipsis) are reported too.
TABLES_JS = """
() => Array.from(document.querySelectorAll('table')).map((table, index) => {
  let scroller = null;
  for (let el = table.parentElement; el && el !== document.body; el = el.parentElement) {
    const overflow = getComputedStyle(el).overflowX;
    if (overflow === 'auto' || overflow === 'scroll') { scroller = el; break; }
  }
  const box = (scroller || table).getBoundingClientRect();
  const hidden = scroller ? scroller.scrollWidth - scroller.clientWidth : 0;
  const cut = Array.from(table.querySelectorAll('th, td')).filter(cell => {
    const style = getComputedStyle(cell);
    return style.overflow !== 'visible' && cell.scrollWidth > cell.clientWidth + 1;
  }).map(cell => cell.textContent.trim().slice(0, 40));
  return {
    index,
    hidden,
    caption: (table.caption ? table.caption.textContent : table.dataset.testid || '').trim()
      .slice(0, 60),
    scrolls: scroller !== null,
    fits: box.left >= -1 && box.right <= window.innerWidth + 1,
    tableFits: table.getBoundingClientRect().right <= window.innerWidth + 1,
    cut,
  };
})
"""


def overflow(page) -> dict:
    return page.evaluate(
        "() => ({scrollWidth: document.scrollingElement.scrollWidth,"
        " innerWidth: window.innerWidth})"
    )


@pytest.mark.parametrize("width", list(WIDTHS))
def test_no_page_scrolls_sideways_and_no_table_is_cut(browser, live_server, site, width):
    problems = []
    for name, path, user in PAGES:
        page = new_page(browser, live_server, width=width, user=site[user] if user else None)
        response = page.goto(f"{live_server.url}{path}", wait_until="networkidle")
        assert response is not None and response.ok, path
        sizes = overflow(page)
        if sizes["scrollWidth"] > sizes["innerWidth"]:
            problems.append(f"{name} at {width}: page is {sizes['scrollWidth']} px wide")
        for table in page.evaluate(TABLES_JS):
            if not table["fits"]:
                problems.append(f"{name} at {width}: table {table['caption']!r} is cut")
            if not table["scrolls"] and not table["tableFits"]:
                problems.append(f"{name} at {width}: table {table['caption']!r} has no scroller")
            # On a laptop every table shows whole; on a phone a wide one scrolls in its box.
            if width == "1366" and table["hidden"] > 1:
                problems.append(
                    f"{name} at 1366: table {table['caption']!r} hides {table['hidden']} px"
                )
            if table["cut"]:
                problems.append(f"{name} at {width}: cells cut {table['cut'][:3]}")
        assert page.errors == [], (name, page.errors)
        if name in SCREENSHOT_PAGES:
            screenshot(page, f"{name}-{width}.png")
        page.context.close()
    assert problems == []


def test_signed_in_navigation_holds_one_line_at_1366(browser, live_server, site):
    for user in ("maintainer", "staff"):
        page = new_page(browser, live_server, width="1366", user=site[user])
        page.goto(f"{live_server.url}/", wait_until="networkidle")
        tops = page.evaluate(
            "() => Array.from(document.querySelectorAll('.site-nav li'))"
            ".map(li => Math.round(li.getBoundingClientRect().top))"
        )
        assert len(tops) >= 10  # the signed-in links, moderation and sign-out included
        assert len(set(tops)) == 1, tops
        title_top = page.evaluate(
            "() => Math.round(document.querySelector('.site-title').getBoundingClientRect().top)"
        )
        header = page.evaluate(
            "() => document.querySelector('.site-header').getBoundingClientRect().height"
        )
        assert header < 80, header  # one row: the title and the links side by side
        assert abs(title_top - tops[0]) < 20
        page.context.close()


@pytest.mark.parametrize("width", list(WIDTHS))
def test_project_names_do_not_wrap_into_towers(browser, live_server, site, width):
    """A project's name in a table header or first column spans at most two lines."""
    for path in (COMPARE, "/governance/", "/projects/"):
        page = new_page(browser, live_server, width=width)
        page.goto(f"{live_server.url}{path}", wait_until="networkidle")
        lines = page.evaluate(
            """() => Array.from(document.querySelectorAll(
                 'table a[href^="/projects/"]:not([href*="artifacts"])'))
               .map(a => {
                 const height = a.getBoundingClientRect().height;
                 const line = parseFloat(getComputedStyle(a).lineHeight) || 24;
                 return [a.textContent.trim(), Math.round(height / line)];
               })"""
        )
        assert lines, path
        towers = [(name, n) for name, n in lines if n > 2]
        assert towers == [], (path, width)
        page.context.close()


@pytest.mark.parametrize("width", list(WIDTHS))
def test_compare_checkboxes_have_no_bullets_and_legends_are_readable(
    browser, live_server, site, width
):
    page = new_page(browser, live_server, width=width)
    page.goto(f"{live_server.url}{COMPARE}", wait_until="networkidle")
    markers = page.evaluate(
        "() => Array.from(document.querySelectorAll('form li'))"
        ".map(li => getComputedStyle(li).listStyleType)"
    )
    assert markers and set(markers) == {"none"}
    # The lifecycle legends are text beside colour swatches (inside the scaled-down SVG they
    # were a few pixels high): readable, and each swatch has its segment's colour.
    legends = page.locator(".compare .legend-list")
    assert legends.count() == 4
    size = legends.first.evaluate("el => parseFloat(getComputedStyle(el).fontSize)")
    assert size >= 14
    assert "Pre-training: 2" in legends.first.inner_text()
    colours = page.evaluate(
        """() => Array.from(document.querySelectorAll('.compare .legend-list .swatch'))
             .slice(0, 4).map(s => {
               const phase = Array.from(s.classList).find(c => c.startsWith('phase-'));
               const segment = document.querySelector('.compare svg .segment.' + phase);
               return [getComputedStyle(s).backgroundColor,
                       segment ? getComputedStyle(segment).fill : null];
             })"""
    )
    for swatch, fill in colours:
        if fill is not None:
            assert swatch == fill
    small = page.evaluate(
        """() => Array.from(document.querySelectorAll('.compare svg text'))
             .filter(t => t.getBoundingClientRect().height < 12).length"""
    )
    assert small == 0
    page.context.close()


def test_map_legends_are_readable_on_a_phone(browser, live_server, site):
    page = new_page(browser, live_server, width="390")
    page.goto(f"{live_server.url}/", wait_until="networkidle")
    legends = page.locator(".map-legend")
    assert legends.count() == 2
    for index in range(2):
        legend = legends.nth(index)
        assert legend.is_visible()
        size = legend.evaluate("el => parseFloat(getComputedStyle(el).fontSize)")
        assert size >= 14
        assert "No data" in legend.inner_text()
    page.context.close()
