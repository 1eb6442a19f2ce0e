"""The permission matrix: every endpoint and method, for each of the five roles.

Rows are (operation, object, body) and the status each role gets. Objects a role may not see
answer 404, never 403; objects it sees but may not change answer 403; writes without credentials
401. A last test checks that the matrix names every operation of the OpenAPI schema, so a new
endpoint cannot ship without its row.
"""

from __future__ import annotations

from dataclasses import dataclass
from http import HTTPStatus

import pytest
from django.utils import timezone
from drf_spectacular.generators import SchemaGenerator

from contributions.choices import ContributionSource, ContributionStatus, VerificationKind
from contributions.models import Contribution, ModerationEvent
from projects.choices import ListingStatus
from projects.models import Artifact, GovernanceChange, Maintainership, Project
from repositories import validation
from repositories.services import repository_source_add
from tests import factories

pytestmark = pytest.mark.django_db

ROLES = ("anonymous", "contributor_user", "maintainer", "other_maintainer", "staff")

OK = HTTPStatus.OK
CREATED = HTTPStatus.CREATED
BAD = HTTPStatus.BAD_REQUEST
UNAUTH = HTTPStatus.UNAUTHORIZED
FORBIDDEN = HTTPStatus.FORBIDDEN
NOT_FOUND = HTTPStatus.NOT_FOUND
NOT_ALLOWED = HTTPStatus.METHOD_NOT_ALLOWED
CONFLICT = HTTPStatus.CONFLICT


@dataclass
class World:
    """What every row acts on. `project` (slug bielik) is maintained by `maintainer`."""

    project: Project
    hidden_project: Project
    artifact: Artifact
    approved: Contribution
    pending: Contribution  # someone else's, awaiting moderation
    own_pending: Contribution  # contributor_user's
    own_changes: Contribution  # contributor_user's, asked for changes
    public_username: str
    private_username: str


@pytest.fixture
def world(project, maintainer, other_maintainer, contributor_user, staff) -> World:
    factories.LanguageFactory()
    factories.LicenceFactory()
    someone = factories.ContributorFactory(github="someone")
    private = factories.ContributorFactory(is_public=False)
    mine = factories.ContributorFactory(user=contributor_user)
    hidden_project = factories.ProjectFactory(
        slug="proposal", listing_status=ListingStatus.PENDING, proposed_by=factories.UserFactory()
    )
    return World(
        project=project,
        hidden_project=hidden_project,
        artifact=factories.ArtifactFactory(project=project, slug="bielik-11b"),
        approved=factories.ContributionFactory(
            project=project, contributor=someone, status="approved"
        ),
        pending=factories.ContributionFactory(project=project, contributor=private),
        own_pending=factories.ContributionFactory(project=project, contributor=mine),
        own_changes=factories.ContributionFactory(
            project=project, contributor=mine, status="changes_requested"
        ),
        public_username=someone.user.username,
        private_username=private.user.username,
    )


@pytest.fixture(autouse=True)
def public_git_hosts(monkeypatch):
    """No network here: repository hosts resolve to a public address without a DNS look-up."""
    monkeypatch.setattr(validation, "resolve_host", lambda hostname: ["140.82.112.3"])


def expect(anonymous, contributor_user, maintainer, other_maintainer, staff):
    return dict(
        zip(ROLES, (anonymous, contributor_user, maintainer, other_maintainer, staff), strict=True)
    )


ALL_OK = expect(OK, OK, OK, OK, OK)
HIDDEN_CONTRIBUTION = expect(NOT_FOUND, NOT_FOUND, OK, NOT_FOUND, OK)
OWN_CONTRIBUTION = expect(NOT_FOUND, OK, OK, NOT_FOUND, OK)
PROPOSAL = expect(NOT_FOUND, NOT_FOUND, NOT_FOUND, NOT_FOUND, OK)
WRITE_ANYONE = expect(UNAUTH, CREATED, CREATED, CREATED, CREATED)
NOT_A_METHOD = expect(UNAUTH, NOT_ALLOWED, NOT_ALLOWED, NOT_ALLOWED, NOT_ALLOWED)

NEW_CONTRIBUTION = {
    "project": "bielik",
    "type": "evaluation",
    "title": "Polish reading comprehension benchmark runs",
    "phase": "post_release",
    "languages": ["pol"],
    "quantity": 12,
    "unit": "benchmark runs",
}
NEW_ARTIFACT = {"slug": "bielik-eval", "kind": "benchmark", "name": "Bielik eval suite"}
NOTE = {"note": "Thank you; see the review thread."}
NEW_REPOSITORY = {"project": "bielik", "url": "https://github.com/speakleash/bielik-eval"}
HIDE = {"reason": "These commits are another person's; the address was shared."}

# (operation as "METHOD path-template", object the path names, body, expected status per role)
MATRIX: list[tuple[str, str, dict | None, dict]] = [
    # Registry: reads
    ("GET /api/v1/organizations/", "", None, ALL_OK),
    ("GET /api/v1/organizations/{slug}/", "organisation", None, ALL_OK),
    ("GET /api/v1/licenses/", "", None, ALL_OK),
    ("GET /api/v1/licenses/{identifier}/", "licence", None, ALL_OK),
    ("GET /api/v1/languages/", "", None, ALL_OK),
    ("GET /api/v1/languages/{code}/", "language", None, ALL_OK),
    ("GET /api/v1/projects/", "", None, ALL_OK),
    ("GET /api/v1/projects/{slug}/", "project", None, ALL_OK),
    ("GET /api/v1/projects/{slug}/", "hidden_project", None, PROPOSAL),
    ("GET /api/v1/projects/{project_slug}/artifacts/", "project", None, ALL_OK),
    ("GET /api/v1/projects/{project_slug}/artifacts/", "hidden_project", None, PROPOSAL),
    ("GET /api/v1/projects/{slug}/all-contributors/", "project", None, ALL_OK),
    ("GET /api/v1/projects/{slug}/all-contributors/", "hidden_project", None, PROPOSAL),
    ("GET /api/v1/artifacts/", "", None, ALL_OK),
    ("GET /api/v1/artifacts/{slug}/", "artifact", None, ALL_OK),
    ("GET /api/v1/snapshot/", "", None, ALL_OK),
    ("GET /api/v1/map/", "", None, ALL_OK),
    ("GET /api/v1/openness/", "", None, ALL_OK),
    # Statistics (contributions.api_stats)
    ("GET /api/v1/stats/", "", None, ALL_OK),
    ("GET /api/v1/stats/timeseries/", "", None, ALL_OK),
    ("GET /api/v1/projects/{slug}/stats/", "project", None, ALL_OK),
    ("GET /api/v1/projects/{slug}/stats/", "hidden_project", None, PROPOSAL),
    # Registry: writes
    (
        "POST /api/v1/projects/",
        "",
        {"name": "Open Yoruba LM", "slug": "open-yoruba-lm", "governance_model": "other"},
        WRITE_ANYONE,
    ),
    (
        "POST /api/v1/projects/{project_slug}/artifacts/",
        "project",
        NEW_ARTIFACT,
        expect(UNAUTH, FORBIDDEN, CREATED, FORBIDDEN, CREATED),
    ),
    (
        "POST /api/v1/projects/{project_slug}/artifacts/",
        "hidden_project",
        NEW_ARTIFACT,
        expect(UNAUTH, NOT_FOUND, NOT_FOUND, NOT_FOUND, CREATED),
    ),
    (
        "PATCH /api/v1/artifacts/{slug}/",
        "artifact",
        {"version": "v2.0"},
        expect(UNAUTH, FORBIDDEN, OK, FORBIDDEN, OK),
    ),
    ("PUT /api/v1/artifacts/{slug}/", "artifact", {"version": "v2.0"}, NOT_A_METHOD),
    ("DELETE /api/v1/artifacts/{slug}/", "artifact", None, NOT_A_METHOD),
    ("DELETE /api/v1/projects/{slug}/", "project", None, NOT_A_METHOD),
    # Ledger: reads
    ("GET /api/v1/contributors/", "", None, ALL_OK),
    ("GET /api/v1/contributors/{username}/", "public_username", None, ALL_OK),
    (
        "GET /api/v1/contributors/{username}/",
        "private_username",
        None,
        expect(NOT_FOUND, NOT_FOUND, NOT_FOUND, NOT_FOUND, NOT_FOUND),
    ),
    ("GET /api/v1/contributions/", "", None, ALL_OK),
    ("GET /api/v1/contributions/csv/", "", None, ALL_OK),
    ("GET /api/v1/contributions/{id}/", "approved", None, ALL_OK),
    ("GET /api/v1/contributions/{id}/", "pending", None, HIDDEN_CONTRIBUTION),
    ("GET /api/v1/contributions/{id}/", "own_pending", None, OWN_CONTRIBUTION),
    # Ledger: logging and editing
    ("POST /api/v1/contributions/", "", NEW_CONTRIBUTION, WRITE_ANYONE),
    (
        "PATCH /api/v1/contributions/{id}/",
        "own_pending",
        {"title": "Corrected title"},
        expect(UNAUTH, OK, OK, NOT_FOUND, OK),
    ),
    (
        "PATCH /api/v1/contributions/{id}/",
        "pending",
        {"title": "Corrected title"},
        expect(UNAUTH, NOT_FOUND, OK, NOT_FOUND, OK),
    ),
    (
        "PATCH /api/v1/contributions/{id}/",
        "approved",
        {"title": "Corrected title"},
        expect(UNAUTH, FORBIDDEN, OK, FORBIDDEN, OK),
    ),
    ("PUT /api/v1/contributions/{id}/", "approved", {"title": "x"}, NOT_A_METHOD),
    ("DELETE /api/v1/contributions/{id}/", "approved", None, NOT_A_METHOD),
    # Ledger: moderation (role 403 before the transition's 409)
    (
        "POST /api/v1/contributions/{id}/approve/",
        "pending",
        {},
        expect(UNAUTH, NOT_FOUND, OK, NOT_FOUND, OK),
    ),
    (
        "POST /api/v1/contributions/{id}/approve/",
        "own_pending",
        {},
        expect(UNAUTH, FORBIDDEN, OK, NOT_FOUND, OK),
    ),
    (
        "POST /api/v1/contributions/{id}/approve/",
        "approved",
        {},
        expect(UNAUTH, FORBIDDEN, CONFLICT, FORBIDDEN, CONFLICT),
    ),
    (
        "POST /api/v1/contributions/{id}/reject/",
        "pending",
        NOTE,
        expect(UNAUTH, NOT_FOUND, OK, NOT_FOUND, OK),
    ),
    (
        "POST /api/v1/contributions/{id}/reject/",
        "pending",
        {},
        expect(UNAUTH, NOT_FOUND, BAD, NOT_FOUND, BAD),
    ),
    (
        "POST /api/v1/contributions/{id}/request-changes/",
        "pending",
        NOTE,
        expect(UNAUTH, NOT_FOUND, OK, NOT_FOUND, OK),
    ),
    (
        "POST /api/v1/contributions/{id}/request-changes/",
        "own_changes",
        NOTE,
        expect(UNAUTH, FORBIDDEN, CONFLICT, NOT_FOUND, CONFLICT),
    ),
    (
        "POST /api/v1/contributions/{id}/revoke/",
        "approved",
        NOTE,
        expect(UNAUTH, FORBIDDEN, OK, FORBIDDEN, OK),
    ),
    (
        "POST /api/v1/contributions/{id}/withdraw/",
        "own_pending",
        {},
        expect(UNAUTH, OK, FORBIDDEN, NOT_FOUND, FORBIDDEN),
    ),
    (
        "POST /api/v1/contributions/{id}/withdraw/",
        "approved",
        {},
        expect(UNAUTH, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN),
    ),
    (
        "POST /api/v1/contributions/{id}/resubmit/",
        "own_changes",
        {"note": "Added the evaluation logs."},
        expect(UNAUTH, OK, FORBIDDEN, NOT_FOUND, FORBIDDEN),
    ),
    (
        "POST /api/v1/contributions/{id}/resubmit/",
        "own_pending",
        {},
        expect(UNAUTH, CONFLICT, FORBIDDEN, NOT_FOUND, FORBIDDEN),
    ),
    # Repository sources: anyone reads a listed project's; its maintainers and staff manage them
    ("GET /api/v1/repository-sources/", "", None, ALL_OK),
    ("GET /api/v1/repository-sources/{id}/", "repository_source", None, ALL_OK),
    (
        "POST /api/v1/repository-sources/",
        "",
        NEW_REPOSITORY,
        expect(UNAUTH, FORBIDDEN, CREATED, FORBIDDEN, CREATED),
    ),
    (
        "POST /api/v1/repository-sources/{id}/sync/",
        "repository_source",
        {},
        expect(UNAUTH, FORBIDDEN, HTTPStatus.ACCEPTED, FORBIDDEN, HTTPStatus.ACCEPTED),
    ),
    (
        "DELETE /api/v1/repository-sources/{id}/",
        "repository_source",
        None,
        expect(UNAUTH, FORBIDDEN, HTTPStatus.NO_CONTENT, FORBIDDEN, HTTPStatus.NO_CONTENT),
    ),
    # Work read from a repository: its project's maintainers and staff hide it (a reason is
    # required) and show it again; nobody decides on an entry crediting themselves.
    (
        "POST /api/v1/repository-work/{id}/hide/",
        "repository_work",
        HIDE,
        expect(UNAUTH, FORBIDDEN, OK, FORBIDDEN, OK),
    ),
    (
        "POST /api/v1/repository-work/{id}/hide/",
        "repository_work",
        {"reason": "  "},
        expect(UNAUTH, FORBIDDEN, BAD, FORBIDDEN, BAD),
    ),
    (
        "POST /api/v1/repository-work/{id}/hide/",
        "maintainers_repository_work",
        HIDE,
        expect(UNAUTH, FORBIDDEN, FORBIDDEN, FORBIDDEN, OK),
    ),
    (
        "POST /api/v1/repository-work/{id}/hide/",
        "approved",
        HIDE,
        expect(UNAUTH, NOT_FOUND, NOT_FOUND, NOT_FOUND, NOT_FOUND),
    ),
    (
        "POST /api/v1/repository-work/{id}/show/",
        "hidden_repository_work",
        {},
        expect(UNAUTH, NOT_FOUND, OK, NOT_FOUND, OK),
    ),
    (
        "POST /api/v1/repository-work/{id}/show/",
        "repository_work",
        {},
        expect(UNAUTH, FORBIDDEN, CONFLICT, FORBIDDEN, CONFLICT),
    ),
]


def _lookup(world: World, name: str) -> str:
    if not name:
        return ""
    if name in ("public_username", "private_username"):
        return getattr(world, name)
    if name == "organisation":
        return factories.OrganisationFactory(slug="speakleash").slug
    if name == "licence":
        return "Apache-2.0"
    if name == "language":
        return "pol"
    if name.endswith("repository_work"):
        return str(_repository_work(world, name).pk)
    if name == "repository_source":
        source = repository_source_add(
            project=world.project, url="https://github.com/speakleash/bielik"
        )
        return str(source.pk)
    obj = getattr(world, name)
    return str(obj.pk) if isinstance(obj, Contribution) else obj.slug


def _repository_work(world: World, name: str) -> Contribution:
    """An entry read from a repository: someone's, the maintainer's own, or one hidden by staff."""
    if name == "maintainers_repository_work":
        user = Maintainership.objects.get(project=world.project).user
        contributor = factories.ContributorFactory(user=user)
    else:
        contributor = factories.ContributorFactory(github="committer")
    hidden = name == "hidden_repository_work"
    return factories.ContributionFactory(
        project=world.project,
        contributor=contributor,
        type="documentation",
        unit="commits",
        quantity=3,
        source=ContributionSource.REPOSITORY,
        external_id=f"repo:1:{contributor.pk}:2026-11:documentation",
        verification=VerificationKind.REPOSITORY_HISTORY,
        status=ContributionStatus.REJECTED if hidden else ContributionStatus.APPROVED,
        moderated_by=factories.UserFactory(is_staff=True) if hidden else None,
        moderated_at=timezone.now(),
        is_hidden=hidden,
        hidden_reason="Not this person's commits." if hidden else "",
    )


def _path(template: str, value: str) -> str:
    if "{" not in template:
        return template
    start, end = template.index("{"), template.index("}")
    return template[:start] + value + template[end + 1 :]


def _audit_count() -> tuple[int, int]:
    return ModerationEvent.objects.count(), GovernanceChange.objects.count()


def _row_id(row) -> str:
    operation, obj, body, _ = row
    return f"{operation} [{obj or 'collection'}{'' if body is None else ' +body'}]"


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("row", MATRIX, ids=[_row_id(r) for r in MATRIX])
def test_matrix(row, role, world, request, client):
    operation, obj, body, expected = row
    method, template = operation.split(" ", 1)
    user = request.getfixturevalue(role)
    if user.is_authenticated:
        client.force_login(user)
    path = _path(template, _lookup(world, obj))
    events_before, _ = _audit_count()

    response = getattr(client, method.lower())(path, data=body, content_type="application/json")

    assert response.status_code == expected[role], response.content[:500]
    if response.status_code >= 400:
        assert response["Content-Type"] == "application/json"
        assert response.json()["status"] == response.status_code
    if method == "POST" and ("/contributions/{id}/" in template or "/repository-work/" in template):
        # Each status change writes its audit record; a refused one writes nothing.
        events_after, _ = _audit_count()
        assert events_after - events_before == (1 if response.status_code == OK else 0)


def test_matrix_covers_every_operation_of_the_schema():
    schema = SchemaGenerator().get_schema(request=None, public=True)
    operations = {
        f"{method.upper()} {path}"
        for path, methods in schema["paths"].items()
        for method in methods
        if method in ("get", "post", "put", "patch", "delete")
    }
    covered = {row[0] for row in MATRIX}
    assert operations - covered == set()
