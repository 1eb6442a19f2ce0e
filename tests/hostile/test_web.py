"""Hostile input to the web forms: logging a contribution, moderating, signing up, the profile.

A refused form is re-shown with its error next to the field (nothing saved, no redirect). Each
case names the words that error must contain. The forms answer 400 with the form where the
web side chose to (moderation); elsewhere the page is re-shown with 200, as Django forms do,
and the status is asserted as what each view promises.
"""

from __future__ import annotations

import datetime as dt
import html
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any

import pytest
from django.urls import reverse

from tests import factories
from tests.hostile.conftest import row_counts

pytestmark = pytest.mark.django_db

TODAY = dt.date.today()
DROP = object()
# A re-shown form, refused: 200 is Django's convention for an invalid form; 400 where the view
# says so. Never a redirect (302: saved) and never a 5xx.
REFUSED = (HTTPStatus.OK, HTTPStatus.BAD_REQUEST)


@dataclass(frozen=True)
class FormCase:
    id: str
    changes: dict[str, Any]
    words: tuple[str, ...]
    marks: tuple = field(default=())


def apply(base: dict[str, Any], changes: dict[str, Any]) -> dict[str, Any]:
    data = dict(base)
    for name, value in changes.items():
        if value is DROP:
            data.pop(name, None)
        else:
            data[name] = value
    return data


def assert_form_refused(response, words: tuple[str, ...]) -> None:
    assert response.status_code in REFUSED, response.status_code
    page = html.unescape(response.content.decode()).lower()
    for word in words:
        assert word.lower() in page, word


# LOGGING A CONTRIBUTION
# ------------------------------------------------------------------------------
def contribution_form(world) -> dict[str, Any]:
    return {
        "project": world["project"].pk,
        "type": "translation",
        "title": "Translated the model card into Polish",
        "description": "See the pull request.",
        "occurred_on": (TODAY - dt.timedelta(days=3)).isoformat(),
        "quantity": "1200",
        "unit": "words",
        "phase": "post_release",
        "artifact": world["artifact"].pk,
        "languages": "pol",
        "evidence_urls": "https://huggingface.co/speakleash/bielik/discussions/1",
        "compensation": "volunteer",
    }


CONTRIBUTION_CASES = [
    FormCase("no-title", {"title": DROP}, ("required",)),
    FormCase("blank-title", {"title": "    "}, ("required",)),
    FormCase("title-201", {"title": "t" * 201}, ("at most 200 characters",)),
    FormCase("nul-in-title", {"title": "a\x00b"}, ("null characters",)),
    FormCase("no-project", {"project": DROP}, ("required",)),
    FormCase("unknown-project", {"project": "999999"}, ("valid choice",)),
    FormCase("project-as-text", {"project": "bielik'; DROP TABLE--"}, ("valid choice",)),
    FormCase("unknown-type", {"type": "hacking"}, ("valid choice",)),
    FormCase("homoglyph-type", {"type": "tr\u0430nslation"}, ("valid choice",)),
    FormCase("future-date", {"occurred_on": "2999-01-01"}, ("future",)),
    FormCase("february-30", {"occurred_on": "2025-02-30"}, ("valid date",)),
    FormCase("date-words", {"occurred_on": "yesterday"}, ("valid date",)),
    FormCase("negative-quantity", {"quantity": "-5"}, ("greater than or equal to 0",)),
    FormCase("huge-quantity", {"quantity": "1" * 20}, ("digits",)),
    FormCase("quantity-word", {"quantity": "many"}, ("number",)),
    FormCase("three-decimals", {"quantity": "1.005"}, ("decimal places",)),
    FormCase("javascript-evidence", {"evidence_urls": "javascript:alert(1)"}, ("http(s) link",)),
    FormCase("file-evidence", {"evidence_urls": "file:///etc/passwd"}, ("http(s) link",)),
    FormCase(
        "eleven-links",
        {"evidence_urls": "\n".join(f"https://example.org/{n}" for n in range(11))},
        ("at most 10",),
    ),
    FormCase("unknown-language", {"languages": "klingon-xx"}, ("language",)),
    FormCase("description-20001", {"description": "d" * 20_001}, ("20000",)),
    FormCase("unknown-phase", {"phase": "forever"}, ("valid choice",)),
    FormCase("unknown-compensation", {"compensation": "bitcoin"}, ("valid choice",)),
]


@pytest.mark.parametrize(
    "case", [pytest.param(c, id=c.id, marks=c.marks) for c in CONTRIBUTION_CASES]
)
def test_the_contribution_form_refuses(client, world, case):
    client.force_login(world["contributor_user"])
    data = apply(contribution_form(world), case.changes)
    before = row_counts()
    response = client.post(reverse("contributions:contribution_create"), data)
    assert_form_refused(response, case.words)
    assert row_counts() == before


def test_the_valid_contribution_form_is_accepted(client, world):
    client.force_login(world["contributor_user"])
    response = client.post(reverse("contributions:contribution_create"), contribution_form(world))
    assert response.status_code == HTTPStatus.FOUND


def test_an_artifact_of_another_project_is_refused(client, world):
    client.force_login(world["contributor_user"])
    data = {**contribution_form(world), "artifact": world["foreign_artifact"].pk}
    before = row_counts()
    response = client.post(reverse("contributions:contribution_create"), data)
    assert_form_refused(response, ("artifact",))
    assert row_counts() == before


def test_signed_out_logging_goes_to_sign_in_and_saves_nothing(client, world):
    before = row_counts()
    response = client.post(reverse("contributions:contribution_create"), contribution_form(world))
    assert response.status_code == HTTPStatus.FOUND
    assert reverse("account_login") in response["Location"]
    assert row_counts() == before


# MODERATING
# ------------------------------------------------------------------------------
MODERATION_CASES = [
    FormCase("unknown-action", {"action": "delete"}, ("valid choice",)),
    FormCase("no-action", {"action": DROP}, ("required",)),
    FormCase("reject-without-note", {"action": "reject", "note": ""}, ("say why",)),
    FormCase("request-changes-blank", {"action": "request_changes", "note": "  "}, ("say why",)),
    FormCase("note-2001", {"action": "reject", "note": "n" * 2001}, ("at most 2000",)),
    FormCase("nul-note", {"action": "reject", "note": "because\x00"}, ("null characters",)),
]


@pytest.mark.parametrize(
    "case", [pytest.param(c, id=c.id, marks=c.marks) for c in MODERATION_CASES]
)
def test_the_moderation_form_refuses(client, world, case):
    client.force_login(world["maintainer"])
    data = apply({"action": "approve", "note": ""}, case.changes)
    before = row_counts()
    url = reverse("contributions:contribution_moderate", kwargs={"pk": world["pending"].pk})
    response = client.post(url, data)
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert_form_refused(response, case.words)
    assert row_counts() == before
    world["pending"].refresh_from_db()
    assert world["pending"].status == "pending"


@pytest.mark.parametrize(
    ("actor", "target", "status"),
    [
        ("contributor_user", "pending", HTTPStatus.FORBIDDEN),
        ("other_maintainer", "pending", HTTPStatus.NOT_FOUND),
        ("maintainer", "own", HTTPStatus.FORBIDDEN),
    ],
    ids=["contributor", "other-maintainer", "own-entry"],
)
def test_moderation_without_the_right_changes_nothing(client, world, actor, target, status):
    client.force_login(world[actor])
    before = row_counts()
    url = reverse("contributions:contribution_moderate", kwargs={"pk": world[target].pk})
    response = client.post(url, {"action": "approve", "note": ""})
    assert response.status_code == status
    assert row_counts() == before


def test_approving_twice_is_refused_the_second_time(client, world):
    client.force_login(world["maintainer"])
    url = reverse("contributions:contribution_moderate", kwargs={"pk": world["pending"].pk})
    client.post(url, {"action": "approve", "note": ""})
    before = row_counts()
    response = client.post(url, {"action": "approve", "note": ""}, follow=True)
    assert "already decided" in html.unescape(response.content.decode()).lower()
    assert row_counts() == before


# SIGNING UP (duplicates, mixed scripts, control characters)
# ------------------------------------------------------------------------------
def signup_form() -> dict[str, str]:
    return {
        "username": "new-person",
        "email": "new-person@example.org",
        "password1": "a-long-unusual-passphrase-42",
        "password2": "a-long-unusual-passphrase-42",
    }


SIGNUP_CASES = [
    FormCase("duplicate-username", {"username": "contributor"}, ("taken",)),
    FormCase("duplicate-username-case", {"username": "CONTRIBUTOR"}, ("taken",)),
    FormCase("passwords-differ", {"password2": "something-else-entirely"}, ("same password",)),
    FormCase("common-password", {"password1": "password", "password2": "password"}, ("common",)),
    FormCase("username-space", {"username": "two words"}, ("valid username",)),
    FormCase("username-nul", {"username": "nul\x00name"}, ("null characters",)),
    FormCase("username-151", {"username": "u" * 151}, ("at most 150",)),
    FormCase("bad-email", {"email": "not-an-address"}, ("valid email",)),
    FormCase("email-header-injection", {"email": "a@b.org\r\nBcc: c@d.org"}, ("valid email",)),
]


@pytest.mark.parametrize("case", [pytest.param(c, id=c.id) for c in SIGNUP_CASES])
def test_sign_up_refuses(client, world, case):
    before = row_counts()
    response = client.post(reverse("account_signup"), apply(signup_form(), case.changes))
    assert_form_refused(response, case.words)
    assert row_counts() == before
    assert "_auth_user_id" not in client.session


def test_sign_up_with_a_taken_address_creates_nothing_and_says_nothing(client, world):
    """Whether an address has an account is not told to whoever types it (the address's owner
    is told by mail instead): the answer is the usual "confirm your address" page."""
    before = row_counts()
    response = client.post(
        reverse("account_signup"), {**signup_form(), "email": "Contributor@Example.org"}
    )
    assert response["Location"] == reverse("account_email_verification_sent")
    after = row_counts()
    # The browser session remembers the attempt; nothing else is written.
    after.pop("sessions.Session"), before.pop("sessions.Session")
    assert after == before
    assert "_auth_user_id" not in client.session


# THE PROFILE
# ------------------------------------------------------------------------------
PROFILE_CASES = [
    FormCase("blank-name", {"display_name": ""}, ("required",)),
    FormCase("name-151", {"display_name": "n" * 151}, ("at most 150",)),
    FormCase("unknown-country", {"country": "999999"}, ("valid choice",)),
]


@pytest.mark.parametrize("case", [pytest.param(c, id=c.id, marks=c.marks) for c in PROFILE_CASES])
def test_the_profile_form_refuses(client, world, case):
    factories.ContributorFactory(user=None, display_name="Someone", github="taken-handle")
    client.force_login(world["contributor_user"])
    data = apply(
        {"display_name": "Contributor", "languages": "pol", "is_public": "on"}, case.changes
    )
    before = row_counts()
    response = client.post(reverse("accounts:profile"), data)
    assert_form_refused(response, case.words)
    assert row_counts() == before
