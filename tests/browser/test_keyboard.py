"""Keyboard only: a contributor signs in and logs a contribution, and the project's maintainer
signs in and approves it, with nothing but Tab, Shift+Tab, Enter, Space and typing; every element
the focus lands on shows that it has it.

Debian's Chromium (/usr/bin/chromium) driven by Playwright, headless; never `playwright install`.
"""

import pytest

from contributions.models import Contribution
from tests import factories
from tests.browser.conftest import PASSWORD, new_page

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Most Tab presses to reach one control: far more than any page here has before its form's end.
MAX_TABS = 80

# The focused element, how it is named, and whether its focus can be seen: an outline or a ring
# (box-shadow) around it, or, for a link drawn in SVG (the maps), a stroke on its shape.
FOCUSED_JS = """
() => {
  const el = document.activeElement;
  if (!el || el === document.body) return null;
  const style = getComputedStyle(el);
  const outline = style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) >= 1;
  const ring = style.boxShadow !== 'none';
  const stroked = s => getComputedStyle(s).stroke !== 'none'
    && parseFloat(getComputedStyle(s).strokeWidth) >= 2;
  const shape = el.closest('svg') !== null
    && Array.from(el.querySelectorAll('path, rect, circle')).some(stroked);
  const label = el.labels && el.labels.length ? el.labels[0].textContent : '';
  const box = el.getBoundingClientRect();
  return {
    tag: el.tagName.toLowerCase(),
    id: el.id,
    name: (el.getAttribute('aria-label') || label || el.innerText || el.value || el.name || '')
      .trim().replace(/\\s+/g, ' '),
    visible: outline || ring || shape,
    onScreen: box.width > 0 && box.height > 0,
  };
}
"""


class Keyboard:
    """Moves the focus with Tab and Shift+Tab only, checking at each stop that it can be seen."""

    def __init__(self, page):
        self.page = page
        self.unseen: list[str] = []
        self.stops = 0  # focus positions checked

    def focused(self) -> dict | None:
        return self.page.evaluate(FOCUSED_JS)

    def press(self, key: str) -> dict | None:
        self.page.keyboard.press(key)
        here = self.focused()
        self.stops += 1
        if here is not None and not (here["visible"] and here["onScreen"]):
            self.unseen.append(f"{self.page.url}: {here['tag']} {here['name'][:40]!r}")
        return here

    def to(self, name: str, *, backwards: bool = False, tag: str | None = None) -> dict:
        """Tab (or Shift+Tab) until the focus is on the control whose name starts with `name`."""
        key = "Shift+Tab" if backwards else "Tab"
        for _ in range(MAX_TABS):
            here = self.press(key)
            if (
                here is not None
                and here["name"].startswith(name)
                and (tag is None or here["tag"] == tag)
            ):
                return here
        raise AssertionError(f"{name!r} is not reachable with {key} on {self.page.url}")

    def type_into(self, name: str, text: str, *, tag: str | None = None) -> None:
        self.to(name, tag=tag)
        self.page.keyboard.type(text)

    def activate(self, name: str, *, key: str = "Enter", backwards: bool = False) -> None:
        self.to(name, backwards=backwards)
        with self.page.expect_navigation():
            self.page.keyboard.press(key)


def test_log_and_approve_a_contribution_with_the_keyboard_alone(
    browser, live_server, ledger_teardown, monkeypatch
):
    # Playwright's sync API runs an event loop in this thread; the ORM calls below are plain
    # synchronous test code, so Django's async-safety guard is lifted for this test only.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    project = factories.ProjectFactory(name="Bielik", slug="bielik")
    factories.ArtifactFactory(project=project, name="Bielik 11B", slug="bielik-11b")
    factories.ProjectFactory(name="OLMo", slug="olmo")
    maintainer = factories.UserFactory(username="maintainer")
    factories.MaintainershipFactory(project=project, user=maintainer)
    factories.UserFactory(username="ania")
    factories.LanguageFactory(code="pol", name="Polish")

    page = new_page(browser, live_server)
    keys = Keyboard(page)
    page.goto(f"{live_server.url}/", wait_until="load")

    # The first Tab reaches the skip link; Enter on it puts the focus on the page's content.
    assert keys.press("Tab")["name"] == "Skip to content"
    page.keyboard.press("Enter")
    assert keys.focused()["id"] == "main"

    # 1. Ania signs in: back up into the navigation with Shift+Tab, then through the form.
    keys.activate("Sign in", backwards=True)
    keys.type_into("Username or e-mail address", "ania")
    keys.type_into("Password", PASSWORD, tag="input")
    keys.activate("Sign in", key="Space")
    assert page.get_by_role("button", name="Sign out").is_visible()

    # 2. She logs a contribution: the project first, then the form (a select takes typed
    # letters, as a closed list box does).
    keys.activate("Log a contribution")
    keys.type_into("Project", "Bielik", tag="select")
    keys.activate("Continue")
    keys.type_into("Type of contribution", "Data annotation", tag="select")
    keys.type_into("Title", "3,000 Polish preference pairs")
    keys.type_into("Description", "Rated 3,000 pairs for the instruction model.")
    keys.type_into("Quantity", "3000")
    keys.type_into("Lifecycle phase", "Post-training", tag="select")
    keys.type_into("Artifact", "Bielik 11B", tag="select")
    keys.type_into("Languages of the work", "pol")
    keys.type_into("Evidence links", "https://example.org/annotations/batch-1")
    keys.activate("Log the contribution")
    page.get_by_role("heading", name="3,000 Polish preference pairs").wait_for()
    assert "Pending" in page.locator("main").inner_text()
    keys.activate("Sign out", backwards=True)

    entry = Contribution.objects.get(title="3,000 Polish preference pairs")
    assert entry.status == "pending"
    assert entry.type == "data_annotation"
    assert entry.phase == "post_training"
    assert entry.artifact.slug == "bielik-11b"
    assert entry.contributor.user.username == "ania"

    # 3. The maintainer signs in, opens the queue, the entry, and approves it with a note.
    keys.activate("Sign in")
    keys.type_into("Username or e-mail address", "maintainer")
    keys.type_into("Password", PASSWORD, tag="input")
    keys.activate("Sign in", key="Space")
    keys.activate("Moderation")
    keys.activate("3,000 Polish preference pairs")
    keys.type_into("Note", "Thank you: the pairs are in the release.")
    keys.activate("Approve")
    page.get_by_text("The entry is approved").first.wait_for()

    entry.refresh_from_db()
    assert entry.status == "approved"
    assert entry.moderated_by == maintainer
    assert entry.events.last().note == "Thank you: the pairs are in the release."
    assert keys.stops > 40  # every control passed on the way was looked at
    assert keys.unseen == [], "the focus could not be seen on these"
    page.context.close()
