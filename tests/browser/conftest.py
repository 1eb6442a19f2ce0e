"""What the browser tests share: Debian's Chromium driven by Playwright, the seeded site with a
small ledger, signed-in pages, and the screenshots folder.

Debian's Chromium (/usr/bin/chromium), headless; never `playwright install`.
"""

from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.db import connections
from django.test import Client
from django.utils import timezone

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-background-networking",
    "--disable-gpu",
    "--no-first-run",
    "--disable-component-update",
    "--disable-sync",
]
OUTPUT = Path(__file__).resolve().parents[2] / "test-output"
SCREENSHOTS = OUTPUT / "screenshots"
# The two widths every layout is checked at: a common laptop, and a phone.
WIDTHS = {"1366": (1366, 900), "390": (390, 844)}
PASSWORD = "a-long-test-passphrase"  # tests.factories.UserFactory's password


@pytest.fixture
def browser():
    sync_api = pytest.importorskip("playwright.sync_api")
    if not CHROMIUM.exists():
        pytest.skip("Debian's Chromium is not installed (apt-get install -y chromium)")
    with sync_api.sync_playwright() as playwright:
        instance = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        yield instance
        instance.close()
        # While Playwright's event loop runs in this thread, Django keeps the test's database
        # connections apart from the thread's others (asgiref's Local follows the running loop):
        # nothing else closes them, and the test database could not be dropped at the end.
        connections.close_all()


@pytest.fixture
def ledger_teardown():
    """Work around the SQLite ledger-version triggers (contributions migration 0003) during the
    flush that ends a transactional test: deleting an approved entry inserts a version row for a
    project the flush may already have deleted, and the commit fails on the foreign key. Taking
    the entries out of "approved" and clearing the versions first leaves nothing to trigger."""
    yield
    from contributions.models import Contribution, ProjectLedgerVersion

    Contribution.objects.filter(status="approved").update(status="withdrawn")
    ProjectLedgerVersion.objects.all().delete()


@pytest.fixture
def site(monkeypatch):
    """The seeded cartography with approved and pending work, its statistics computed, a
    maintainer of Bielik with entries waiting, and staff.

    Teardown works around the SQLite ledger-version triggers during the flush that ends a
    transactional test (see tests/browser/test_contribution_flow.py)."""
    # Playwright's sync API runs an event loop in this thread; the ORM calls of this test are
    # plain synchronous code, so Django's async-safety guard is lifted for it.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from contributions import stats
    from contributions.models import Contribution, ProjectLedgerVersion
    from projects.models import Artifact, Project
    from projects.seed import load_cartography
    from tests import factories

    load_cartography()
    staff = factories.StaffFactory(username="moderator")
    bielik = Project.objects.get(slug="bielik")
    maintainer = factories.UserFactory(username="maintainer", email="maintainer@example.org")
    factories.MaintainershipFactory(project=bielik, user=maintainer)
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
                moderated_by=staff,
                moderated_at=timezone.now(),
            )
    contributor = factories.ContributorFactory(user__username="ania", display_name="Ania")
    for title in ("3,000 Polish preference pairs", "Translated the model card into Kashubian"):
        factories.ContributionFactory(
            project=bielik,
            contributor=contributor,
            title=title,
            type="translation",
            evidence_urls=["https://example.org/evidence"],
        )
    for project in Project.objects.all():
        stats.refresh_project(project.pk)
    stats.refresh_global()
    yield {"maintainer": maintainer, "staff": staff, "contributor": contributor.user}
    Contribution.objects.filter(status="approved").update(status="withdrawn")
    ProjectLedgerVersion.objects.all().delete()


def new_page(browser, live_server, *, width: str = "1366", user=None):
    """A page of its own browser context at one of WIDTHS, signed in as `user` when given
    (the session cookie of a Django test client, so no sign-in form is filled)."""
    w, h = WIDTHS[width]
    context = browser.new_context(viewport={"width": w, "height": h})
    if user is not None:
        client = Client()
        client.force_login(user)
        context.add_cookies(
            [
                {
                    "name": settings.SESSION_COOKIE_NAME,
                    "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                    "url": live_server.url,
                }
            ]
        )
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.errors = []
    own = urlsplit(live_server.url).netloc
    page.on("console", lambda m: page.errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: page.errors.append(str(e)))
    page.on(
        "request",
        lambda r: page.errors.append(f"foreign request {r.url}")
        if urlsplit(r.url).scheme in ("http", "https", "ws", "wss")
        and urlsplit(r.url).netloc != own
        else None,
    )
    return page


def screenshot(page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / name), full_page=True)
