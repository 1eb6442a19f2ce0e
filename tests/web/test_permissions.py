"""Every page for every role of the permission policy: anonymous, contributor, maintainer of the
project, maintainer of another project, staff.

404 where the caller may not know the object exists (pending entries and proposals), 403 where it
is public but the action is not theirs, a redirect to sign-in for anonymous callers of pages that
need an account.
"""

from http import HTTPStatus

import pytest
from django.urls import reverse

from contributions.models import Contribution
from projects.models import Maintainership, Project
from tests import factories
from tests.web.conftest import ROLES

pytestmark = pytest.mark.django_db

OK, FOUND = HTTPStatus.OK, HTTPStatus.FOUND
FORBIDDEN, NOT_FOUND = HTTPStatus.FORBIDDEN, HTTPStatus.NOT_FOUND
LOGIN = "login"  # anonymous: redirected to the sign-in page


@pytest.fixture
def world(project, users, pending, approved, contributor_profile):
    artifact = factories.ArtifactFactory(project=project, slug="bielik-11b")
    changes = factories.ContributionFactory(
        project=project, contributor=contributor_profile, status="changes_requested"
    )
    proposal = factories.ProjectFactory(
        slug="proposed", listing_status="pending", proposed_by=factories.UserFactory()
    )
    private = factories.ContributorFactory(is_public=False, display_name="Private person")
    return {
        "project": project,
        "artifact": artifact,
        "pending": pending,
        "approved": approved,
        "changes": changes,
        "proposal": proposal,
        "public_contributor": contributor_profile,
        "private_contributor": private,
    }


def expect(anonymous, contributor, maintainer, other_maintainer, staff):
    return dict(
        zip(ROLES, (anonymous, contributor, maintainer, other_maintainer, staff), strict=True)
    )


ALL_OK = expect(OK, OK, OK, OK, OK)
SIGNED_IN_OK = expect(LOGIN, OK, OK, OK, OK)
STEWARDS = expect(LOGIN, FORBIDDEN, OK, FORBIDDEN, OK)

GET_CASES = {
    "home": (lambda w: reverse("home"), ALL_OK),
    "project list": (lambda w: reverse("projects:project_list"), ALL_OK),
    "project page": (lambda w: w["project"].get_absolute_url(), ALL_OK),
    "proposal page": (
        lambda w: w["proposal"].get_absolute_url(),
        expect(NOT_FOUND, NOT_FOUND, NOT_FOUND, NOT_FOUND, OK),
    ),
    "artifact page": (lambda w: w["artifact"].get_absolute_url(), ALL_OK),
    "propose a project": (lambda w: reverse("projects:project_propose"), SIGNED_IN_OK),
    "proposal list": (
        lambda w: reverse("projects:proposal_list"),
        expect(LOGIN, FORBIDDEN, FORBIDDEN, FORBIDDEN, OK),
    ),
    "edit governance": (
        lambda w: reverse("projects:project_edit", args=[w["project"].slug]),
        STEWARDS,
    ),
    "maintainers": (
        lambda w: reverse("projects:maintainer_list", args=[w["project"].slug]),
        STEWARDS,
    ),
    "add an artifact": (
        lambda w: reverse("projects:artifact_create", args=[w["project"].slug]),
        STEWARDS,
    ),
    "edit an artifact": (
        lambda w: reverse("projects:artifact_edit", args=[w["artifact"].slug]),
        STEWARDS,
    ),
    "artifact components": (
        lambda w: reverse("projects:artifact_components", args=[w["artifact"].slug]),
        STEWARDS,
    ),
    "contribution list": (lambda w: reverse("contributions:contribution_list"), ALL_OK),
    "my contributions": (lambda w: reverse("contributions:my_contributions"), SIGNED_IN_OK),
    "log a contribution": (
        lambda w: reverse("contributions:contribution_create"),
        SIGNED_IN_OK,
    ),
    "pending entry": (
        lambda w: w["pending"].get_absolute_url(),
        expect(NOT_FOUND, OK, OK, NOT_FOUND, OK),
    ),
    "approved entry": (lambda w: w["approved"].get_absolute_url(), ALL_OK),
    "edit a pending entry": (
        lambda w: reverse("contributions:contribution_edit", args=[w["pending"].pk]),
        expect(LOGIN, OK, OK, NOT_FOUND, OK),
    ),
    "edit an approved entry": (
        lambda w: reverse("contributions:contribution_edit", args=[w["approved"].pk]),
        expect(LOGIN, FORBIDDEN, OK, FORBIDDEN, OK),
    ),
    "answer a change request": (
        lambda w: reverse("contributions:contribution_resubmit", args=[w["changes"].pk]),
        expect(LOGIN, OK, FORBIDDEN, NOT_FOUND, FORBIDDEN),
    ),
    "moderation queue": (
        lambda w: reverse("contributions:moderation_queue"),
        expect(LOGIN, FORBIDDEN, OK, OK, OK),
    ),
    "contributor list": (lambda w: reverse("contributions:contributor_list"), ALL_OK),
    "public profile": (lambda w: w["public_contributor"].get_absolute_url(), ALL_OK),
    "private profile": (
        lambda w: w["private_contributor"].get_absolute_url(),
        expect(NOT_FOUND, NOT_FOUND, NOT_FOUND, NOT_FOUND, OK),
    ),
    "sign in": (lambda w: reverse("account_login"), expect(OK, FOUND, FOUND, FOUND, FOUND)),
    "sign up": (lambda w: reverse("account_signup"), expect(OK, FOUND, FOUND, FOUND, FOUND)),
    "password reset": (lambda w: reverse("account_reset_password"), ALL_OK),
    "password change": (lambda w: reverse("account_change_password"), SIGNED_IN_OK),
    "e-mail addresses": (lambda w: reverse("account_email"), SIGNED_IN_OK),
    "connected accounts": (lambda w: reverse("socialaccount_connections"), SIGNED_IN_OK),
    "profile": (lambda w: reverse("accounts:profile"), SIGNED_IN_OK),
    "delete account": (lambda w: reverse("accounts:delete"), SIGNED_IN_OK),
}


def check(response, expected):
    if expected == LOGIN:
        assert response.status_code == FOUND
        assert response["Location"].startswith(reverse("account_login"))
    else:
        assert response.status_code == expected


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("case", GET_CASES)
def test_page_for_role(case, role, world, client_for):
    url, expected = GET_CASES[case]
    check(client_for(role).get(url(world)), expected[role])


# STATE CHANGES: POST only, each checked for its effect (or its absence).
# ------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("role", "expected", "status_after"),
    [
        ("anonymous", LOGIN, "pending"),
        ("contributor", FORBIDDEN, "pending"),  # their own entry
        ("maintainer", FOUND, "approved"),
        ("other_maintainer", NOT_FOUND, "pending"),
        ("staff", FOUND, "approved"),
    ],
)
def test_approve_for_role(role, expected, status_after, world, client_for):
    entry = world["pending"]
    url = reverse("contributions:contribution_moderate", args=[entry.pk])
    check(client_for(role).post(url, {"action": "approve"}), expected)
    entry.refresh_from_db()
    assert entry.status == status_after


@pytest.mark.parametrize(
    ("role", "expected", "status_after"),
    [
        ("anonymous", LOGIN, "approved"),
        ("contributor", FORBIDDEN, "approved"),
        ("maintainer", FOUND, "rejected"),
        ("other_maintainer", FORBIDDEN, "approved"),  # approved entries are public: 403
        ("staff", FOUND, "rejected"),
    ],
)
def test_revoke_for_role(role, expected, status_after, world, client_for):
    entry = world["approved"]
    url = reverse("contributions:contribution_moderate", args=[entry.pk])
    check(client_for(role).post(url, {"action": "revoke", "note": "Duplicate."}), expected)
    entry.refresh_from_db()
    assert entry.status == status_after


@pytest.mark.parametrize(
    ("role", "expected", "status_after"),
    [
        ("anonymous", LOGIN, "pending"),
        ("contributor", FOUND, "withdrawn"),
        ("maintainer", FORBIDDEN, "pending"),
        ("other_maintainer", NOT_FOUND, "pending"),
        ("staff", FORBIDDEN, "pending"),
    ],
)
def test_withdraw_for_role(role, expected, status_after, world, client_for):
    entry = world["pending"]
    url = reverse("contributions:contribution_withdraw", args=[entry.pk])
    check(client_for(role).post(url), expected)
    entry.refresh_from_db()
    assert entry.status == status_after


@pytest.mark.parametrize(
    ("role", "expected", "approved_count"),
    [
        ("contributor", FORBIDDEN, 0),
        ("maintainer", FOUND, 1),
        ("other_maintainer", FOUND, 0),
        ("staff", FOUND, 1),
    ],
)
def test_bulk_approve_for_role(role, expected, approved_count, world, client_for):
    """Someone who moderates no project is refused before any id is read; the service checks
    each entry: only the project's maintainers and staff approve, and the contributor's own entry
    is refused to them."""
    other = factories.ContributionFactory(project=world["project"])
    url = reverse("contributions:bulk_approve")
    response = client_for(role).post(url, {"ids": [other.pk, world["pending"].pk]})
    assert response.status_code == expected
    assert Contribution.objects.filter(pk=other.pk, status="approved").count() == approved_count


def test_bulk_approve_anonymous(world, client_for):
    response = client_for("anonymous").post(
        reverse("contributions:bulk_approve"), {"ids": [world["pending"].pk]}
    )
    check(response, LOGIN)


@pytest.mark.parametrize(
    ("role", "expected", "listing_after"),
    [
        ("anonymous", LOGIN, "pending"),
        ("contributor", NOT_FOUND, "pending"),
        ("maintainer", NOT_FOUND, "pending"),
        ("other_maintainer", NOT_FOUND, "pending"),
        ("staff", FOUND, "listed"),
    ],
)
def test_review_proposal_for_role(role, expected, listing_after, world, client_for):
    proposal = world["proposal"]
    url = reverse("projects:project_review", args=[proposal.slug])
    check(client_for(role).post(url, {"decision": "approve"}), expected)
    proposal.refresh_from_db()
    assert proposal.listing_status == listing_after


@pytest.mark.parametrize(
    ("role", "expected", "maintainers_after"),
    [
        ("anonymous", LOGIN, 2),
        ("contributor", FORBIDDEN, 2),
        ("maintainer", FOUND, 1),
        ("other_maintainer", FORBIDDEN, 2),
        ("staff", FOUND, 1),
    ],
)
def test_remove_maintainer_for_role(role, expected, maintainers_after, world, client_for):
    second = factories.UserFactory(username="second")
    factories.MaintainershipFactory(project=world["project"], user=second)
    url = reverse("projects:maintainer_remove", args=[world["project"].slug, second.pk])
    check(client_for(role).post(url), expected)
    assert Maintainership.objects.filter(project=world["project"]).count() == maintainers_after


@pytest.mark.parametrize(
    ("role", "expected", "changed"),
    [
        ("anonymous", LOGIN, False),
        ("contributor", FORBIDDEN, False),
        ("maintainer", FOUND, True),
        ("other_maintainer", FORBIDDEN, False),
        ("staff", FOUND, True),
    ],
)
def test_edit_governance_for_role(role, expected, changed, world, client_for):
    project = world["project"]
    data = {
        "governance_model": "nonprofit_grassroots",
        "contribution_agreement": "dco",
        "note": "The repository asks for sign-offs.",
    }
    url = reverse("projects:project_edit", args=[project.slug])
    check(client_for(role).post(url, data), expected)
    project.refresh_from_db()
    assert (project.contribution_agreement == "dco") is changed


@pytest.mark.parametrize(
    "name",
    [
        "contributions:contribution_moderate",
        "contributions:contribution_withdraw",
        "contributions:bulk_approve",
        "projects:project_review",
        "projects:maintainer_remove",
    ],
)
def test_state_changes_refuse_get(name, world, client_for):
    """No state change through GET: every action endpoint answers 405 to it."""
    args = {
        "contributions:contribution_moderate": [world["pending"].pk],
        "contributions:contribution_withdraw": [world["pending"].pk],
        "projects:project_review": [world["proposal"].slug],
        "projects:maintainer_remove": [world["project"].slug, 1],
    }.get(name, [])
    response = client_for("staff").get(reverse(name, args=args))
    assert response.status_code == HTTPStatus.METHOD_NOT_ALLOWED
    assert Contribution.objects.get(pk=world["pending"].pk).status == "pending"
    assert Project.objects.get(pk=world["proposal"].pk).listing_status == "pending"


def test_signing_out_takes_a_post(world, client_for):
    """A GET of the sign-out page asks to confirm (allauth's page) and signs nobody out, so a
    link or an image on another site cannot sign a person out."""
    client = client_for("contributor")
    response = client.get(reverse("account_logout"))
    assert response.status_code == HTTPStatus.OK
    assert "_auth_user_id" in client.session
    client.post(reverse("account_logout"))
    assert "_auth_user_id" not in client.session
