"""The whole human loop in a real browser: sign up, log a data-annotation contribution, a
maintainer asks for changes, the contributor answers, the maintainer approves, and anyone sees it
on the public project page with its history.

Debian's Chromium (/usr/bin/chromium) driven by Playwright, headless; never `playwright install`.
"""

import datetime as dt
import os
import re
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.core import mail
from django.utils import timezone

from contributions.models import Contribution
from tests import factories

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

OUTPUT = Path(__file__).resolve().parents[2] / "test-output"
PASSWORD = "a-long-test-passphrase"  # tests.factories.UserFactory's password
NEW_PASSWORD = "Annotating-Polish-pairs-2025"


def sign_in(page, base: str, username: str, password: str) -> None:
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("Username or e-mail address").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("button", name="Sign out").wait_for()


def sign_out(page) -> None:
    page.get_by_role("button", name="Sign out").click()
    page.get_by_role("link", name="Sign in").wait_for()


def test_contribution_flow(live_server, ledger_teardown, browser, monkeypatch):
    # Playwright's sync API runs an event loop in this thread; the ORM calls below are plain
    # synchronous test code, so Django's async-safety guard is lifted for this test only.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    project = factories.ProjectFactory(name="Bielik", slug="bielik")
    maintainer = factories.UserFactory(username="maintainer")
    factories.MaintainershipFactory(project=project, user=maintainer)
    model = factories.ArtifactFactory(project=project, name="Bielik 11B", slug="bielik-11b")
    factories.LanguageFactory(code="pol", name="Polish")
    base = live_server.url
    yesterday = (timezone.localdate() - dt.timedelta(days=1)).isoformat()

    page = browser.new_page()
    page.set_default_timeout(15_000)

    # 1. Sign up, and confirm the address with the link the site mails.
    page.goto(f"{base}/accounts/signup/")
    page.get_by_label("Username").fill("ania")
    page.get_by_label("E-mail address").fill("ania@example.org")
    page.locator("#id_password1").fill(NEW_PASSWORD)
    page.get_by_label("Password again").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Create my account").click()
    page.get_by_role("heading", name="Confirm your e-mail address").wait_for()
    link = re.search(r"https?://\S+/accounts/confirm-email/\S+/", mail.outbox[-1].body).group(0)
    page.goto(base + urlsplit(link).path)
    page.get_by_role("button", name="Confirm").click()
    page.get_by_role("button", name="Sign out").wait_for()

    # 2. Log a data-annotation contribution.
    page.goto(f"{base}/contributions/new/?project=bielik")
    page.get_by_label("Type of contribution").select_option("data_annotation")
    page.get_by_label("Title").fill("3,000 Polish preference pairs")
    page.get_by_label("Description").fill("Rated **3,000** pairs for the instruction model.")
    page.get_by_label("Quantity").fill("3000")
    page.get_by_label("Date").fill(yesterday)
    page.get_by_label("Lifecycle phase").select_option("post_training")
    page.get_by_label("Artifact").select_option(label="Bielik 11B (model)")
    page.get_by_label("Languages of the work").fill("pol")
    page.get_by_label("Evidence links").fill("https://example.org/annotations/batch-1")
    page.get_by_label("Compensation").select_option("volunteer")
    page.get_by_role("button", name="Log the contribution").click()
    page.get_by_role("heading", name="3,000 Polish preference pairs").wait_for()
    assert "Pending" in page.locator("main").inner_text()
    entry_url = page.url
    sign_out(page)

    # 3. The maintainer asks for changes from the queue.
    sign_in(page, base, "maintainer", PASSWORD)
    page.goto(f"{base}/contributions/moderation/")
    page.get_by_role("link", name="3,000 Polish preference pairs").click()
    page.get_by_label("Note").fill("Please link the dataset card of the pairs.")
    page.get_by_role("button", name="Request changes").click()
    page.get_by_text("sent back with a request for changes").first.wait_for()
    sign_out(page)

    # 4. The contributor answers.
    sign_in(page, base, "ania", NEW_PASSWORD)
    page.goto(entry_url)
    page.get_by_role("link", name="Answer the request").click()
    page.get_by_text("Please link the dataset card of the pairs.").wait_for()
    page.get_by_label("Evidence links").fill(
        "https://example.org/annotations/batch-1\nhttps://example.org/datasets/pairs-card"
    )
    page.get_by_label("Your answer to the maintainer").fill("Linked the dataset card.")
    page.get_by_role("button", name="Send it back for review").click()
    page.get_by_text("back with the maintainers").wait_for()
    sign_out(page)

    # 5. The maintainer approves.
    sign_in(page, base, "maintainer", PASSWORD)
    page.goto(entry_url)
    page.get_by_role("button", name="Approve").click()
    page.get_by_text("The entry is approved").wait_for()
    sign_out(page)

    # 6. Anyone sees it on the public project page, and its history on its own page.
    page.goto(f"{base}/projects/bielik/")
    contributions = page.locator("#contributions-heading").locator("..")
    assert "3,000 Polish preference pairs" in contributions.inner_text()
    assert "Data annotation" in contributions.inner_text()
    contributions.get_by_role("link", name="3,000 Polish preference pairs").click()
    history = page.locator("#history-heading").locator("..")
    history_text = history.inner_text()
    assert history.locator("li").count() == 4
    assert "Please link the dataset card of the pairs." in history_text
    assert "Linked the dataset card." in history_text
    OUTPUT.mkdir(exist_ok=True)
    page.screenshot(path=str(OUTPUT / "contribution-flow.png"), full_page=True)
    page.close()

    entry = Contribution.objects.get(title="3,000 Polish preference pairs")
    assert entry.status == "approved"
    assert entry.moderated_by == maintainer
    assert entry.unit == "items annotated"  # the type's typical unit, filled in by the service
    assert entry.artifact == model
    assert list(entry.languages.values_list("code", flat=True)) == ["pol"]
    assert list(entry.events.values_list("from_status", "to_status")) == [
        ("", "pending"),
        ("pending", "changes_requested"),
        ("changes_requested", "pending"),
        ("pending", "approved"),
    ]
    assert os.path.getsize(OUTPUT / "contribution-flow.png") > 0
