"""The cartography's public pages in a real browser: the map, the governance view, a model's page
with its openness verdicts and family tree, its project's page, and the compare view.

Debian's Chromium (/usr/bin/chromium) driven by Playwright, headless; never `playwright install`.
Each page must load without a console error and without a request to any host but the live
server (the platform works offline); a screenshot of each is saved under test-output/screenshots/.
"""

from urllib.parse import urlsplit

import pytest
from django.utils import timezone

from contributions.models import Contribution
from projects.models import Artifact, Project
from projects.seed import load_cartography
from tests import factories
from tests.browser.conftest import SCREENSHOTS

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def cartography(monkeypatch):
    """The seeded cartography with a few approved credits and their statistics.

    Teardown works around the SQLite ledger-version triggers during the flush that ends a
    transactional test (see tests/browser/test_contribution_flow.py)."""
    # Playwright's sync API runs an event loop in this thread; the ORM calls of this test are
    # plain synchronous code, so Django's async-safety guard is lifted for it.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    load_cartography()
    moderator = factories.StaffFactory(username="moderator")
    base = Artifact.objects.get(slug="llama-3-1-8b-instruct")
    rows = [
        ("bielik", None, "data_annotation", "post_training", 4),
        ("bielik", None, "code", "pre_training", 2),
        ("llama", base, "evaluation", "post_release", 2),
        ("olmo", None, "documentation", "post_release", 1),
    ]
    for slug, artifact, type_, phase, count in rows:
        for _ in range(count):
            factories.ContributionFactory(
                project=Project.objects.get(slug=slug),
                artifact=artifact,
                type=type_,
                phase=phase,
                status="approved",
                moderated_by=moderator,
                moderated_at=timezone.now(),
            )
    from contributions import stats

    for project in Project.objects.all():
        stats.refresh_project(project.pk)
    stats.refresh_global()
    yield
    from contributions.models import ProjectLedgerVersion

    Contribution.objects.filter(status="approved").update(status="withdrawn")
    ProjectLedgerVersion.objects.all().delete()


def open_page(browser, live_server, path: str):
    """Load a page; return it with the console errors and foreign requests seen while loading."""
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.set_default_timeout(15_000)
    errors: list[str] = []
    foreign: list[str] = []
    own = urlsplit(live_server.url).netloc
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on(
        "response",
        lambda r: errors.append(f"{r.status} {r.url}") if r.status >= 400 else None,
    )
    page.on(
        "request",
        lambda r: foreign.append(r.url)
        if urlsplit(r.url).scheme in ("http", "https", "ws", "wss")
        and urlsplit(r.url).netloc != own
        else None,
    )
    response = page.goto(f"{live_server.url}{path}", wait_until="networkidle")
    assert response is not None and response.ok, path
    return page, errors, foreign


def check(page, errors, foreign, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / name), full_page=True)
    assert errors == []
    assert foreign == []


def test_home_map(browser, live_server, cartography):
    page, errors, foreign = open_page(browser, live_server, "/")
    assert page.locator("svg.worldmap").count() == 2
    # Countries with projects are drawn in a class colour and link to their projects.
    assert page.locator('svg.worldmap a path[data-country="PL"]').count() >= 1
    assert page.get_by_test_id("total-contributions").inner_text() == "9"
    for table in ("countries", "governance", "code-mix", "phases", "domains", "languages"):
        assert page.get_by_test_id(f"table-{table}").is_visible()
    # The stylesheet was applied (the CSP forbids inline styles: classes do the colouring).
    fill = page.locator('svg.worldmap path[data-country="PL"]').first.evaluate(
        "el => getComputedStyle(el).fill"
    )
    assert fill not in ("", "rgb(0, 0, 0)")
    check(page, errors, foreign, "cartography-home.png")


def test_governance_view(browser, live_server, cartography):
    page, errors, foreign = open_page(browser, live_server, "/governance/")
    assert page.get_by_test_id("table-governance-summary").is_visible()
    assert page.locator("section.governance-model").count() == 6
    assert page.locator("section.governance-model .inferred").count() >= 1
    check(page, errors, foreign, "cartography-governance.png")


def test_model_page_with_openness_and_lineage(browser, live_server, cartography):
    page, errors, foreign = open_page(
        browser, live_server, "/projects/artifacts/nb-llama-3-1-8b-instruct/"
    )
    openness = page.locator("#openness")
    assert openness.is_visible()
    assert "No freedom to use" in openness.inner_text()
    assert page.locator('[data-caveat="inherited_use_restriction"]').count() == 1
    tree = page.get_by_test_id("lineage-tree")
    assert tree.is_visible()
    assert "Llama 3.1 8B" in tree.inner_text()
    # The evaluations credited to its base model are shown as upstream contributions.
    assert page.get_by_test_id("upstream-credits").locator("tbody tr").count() == 2
    check(page, errors, foreign, "cartography-model-openness-lineage.png")


def test_project_page(browser, live_server, cartography):
    page, errors, foreign = open_page(browser, live_server, "/projects/nb-llama/")
    assert page.get_by_test_id("model-openness").is_visible()
    check(page, errors, foreign, "cartography-project.png")


def test_compare_view(browser, live_server, cartography):
    page, errors, foreign = open_page(
        browser, live_server, "/compare/?projects=bielik&projects=olmo&projects=llama"
    )
    table = page.get_by_test_id("compare-table")
    assert table.is_visible()
    assert table.locator("thead th").count() == 3
    check(page, errors, foreign, "cartography-compare.png")
