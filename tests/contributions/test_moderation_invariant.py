"""One moderation invariant on every write path: nobody approves, rejects, asks for changes on or
revokes an entry credited to themselves, and nobody's import creates approved credit for
themselves. The database holds the same rule (migration 0008_moderator_is_not_the_contributor).

The first test ENUMERATES every code path that can set an entry's status, by reading the source:
the functions that write `status` (an assignment to `.status`, `status=` in a model constructor or
a queryset write, `"status"` among the fields saved, raw SQL into the ledger), the service
functions that reach them, and every caller of those services outside the service modules (views,
API methods, admin actions, jobs, commands). Each must be named in PATHS below with the test that
proves it refuses self-moderation: a new status-setting function, or a new caller of one, fails
this file until it is listed with its test.
"""

from __future__ import annotations

import ast
import io
import json
from http import HTTPStatus
from pathlib import Path

import pytest
from allauth.socialaccount.models import SocialAccount
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.identity import account_identities_sync
from cartography.models import ImportRun
from contributions import services
from contributions.importers.services import credit_list_import
from contributions.models import Contribution, Contributor, ModerationEvent
from repositories import importer
from repositories.models import RepositorySource
from repositories.services import (
    repository_source_add,
    repository_sync_execute,
    repository_sync_request,
    repository_work_hide,
    repository_work_unhide,
)
from repositories.tasks import sync_repository
from tests import factories
from tests.repositories.conftest import ADA, day
from tests.repositories.gitrepo import GitRepo, lines

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("accounts", "cartography", "contributions", "projects", "repositories", "core")
# Modules whose module-level functions are services: a function there that reaches a status
# writer is itself a status-changing service, and its callers elsewhere are entry points.
SERVICE_MODULES = frozenset(
    {
        "contributions/services.py",
        "contributions/importers/services.py",
        "projects/card_import.py",
        "cartography/services.py",
        "repositories/services.py",
        "repositories/importer.py",
    }
)
LEDGER_SQL = (
    "INSERT INTO contributions_contribution ",
    "COPY contributions_contribution ",
    "UPDATE contributions_contribution ",
)
LEDGER_MODELS = {"Contribution"}
QUERYSET_WRITES = {"update", "create", "bulk_create", "get_or_create", "update_or_create"}

# Every status-changing path -> the test below that proves it refuses self-moderation (or, for a
# path that cannot decide an entry, that it never records its contributor as the moderator).
PATHS: dict[str, str] = {
    # Services: the writers and every service that reaches one.
    "contributions/services.py::contribution_submit": "test_logging_creates_undecided_entries",
    "contributions/services.py::_transition": "test_the_services_refuse_self_moderation",
    "contributions/services.py::_moderate": "test_the_services_refuse_self_moderation",
    "contributions/services.py::contribution_approve": "test_the_services_refuse_self_moderation",
    "contributions/services.py::contribution_reject": "test_the_services_refuse_self_moderation",
    "contributions/services.py::contribution_request_changes": (
        "test_the_services_refuse_self_moderation"
    ),
    "contributions/services.py::contribution_revoke": "test_the_services_refuse_self_moderation",
    "contributions/services.py::contribution_withdraw": (
        "test_the_contributors_own_actions_never_decide"
    ),
    "contributions/services.py::contribution_resubmit": (
        "test_the_contributors_own_actions_never_decide"
    ),
    "contributions/services.py::contribution_bulk_approve": (
        "test_bulk_approval_refuses_self_moderation"
    ),
    "contributions/services.py::_reopen_decided_by": (
        "test_a_claim_reopens_what_the_claimant_decided"
    ),
    "contributions/services.py::contributor_claim_placeholder": (
        "test_a_claim_reopens_what_the_claimant_decided"
    ),
    "contributions/services.py::contribution_record_import_batch": (
        "test_an_import_naming_the_importer_waits_for_another_maintainer"
    ),
    "contributions/importers/services.py::credit_list_import": (
        "test_an_import_naming_the_importer_waits_for_another_maintainer"
    ),
    "contributions/importers/services.py::_write_credits": (
        "test_an_import_naming_the_importer_waits_for_another_maintainer"
    ),
    "contributions/services.py::contribution_hide": (
        "test_hiding_and_showing_refuse_self_moderation"
    ),
    "contributions/services.py::contribution_unhide": (
        "test_hiding_and_showing_refuse_self_moderation"
    ),
    "contributions/services.py::contribution_record_repository_cells": (
        "test_a_repository_sync_crediting_its_importer_waits_for_another_maintainer"
    ),
    "contributions/services.py::contribution_withdraw_repository_cells": (
        "test_removing_a_repository_source_decides_nothing"
    ),
    "repositories/services.py::repository_work_hide": (
        "test_hiding_and_showing_refuse_self_moderation"
    ),
    "repositories/services.py::repository_work_unhide": (
        "test_hiding_and_showing_refuse_self_moderation"
    ),
    "repositories/services.py::repository_source_remove": (
        "test_removing_a_repository_source_decides_nothing"
    ),
    "repositories/services.py::repository_sync_execute": (
        "test_a_repository_sync_crediting_its_importer_waits_for_another_maintainer"
    ),
    "repositories/importer.py::run_sync": (
        "test_a_repository_sync_crediting_its_importer_waits_for_another_maintainer"
    ),
    "repositories/importer.py::Importer.run": (
        "test_a_repository_sync_crediting_its_importer_waits_for_another_maintainer"
    ),
    "repositories/importer.py::Importer._write_cells": (
        "test_a_repository_sync_crediting_its_importer_waits_for_another_maintainer"
    ),
    "repositories/importer.py::Importer._prune": (
        "test_a_repository_sync_crediting_its_importer_waits_for_another_maintainer"
    ),
    # Entry points: pages, API methods, admin actions, jobs, commands.
    "contributions/views.py::contribution_create": "test_logging_creates_undecided_entries",
    "contributions/views.py::contribution_withdraw": (
        "test_the_contributors_own_actions_never_decide"
    ),
    "contributions/views.py::contribution_resubmit": (
        "test_the_contributors_own_actions_never_decide"
    ),
    # MODERATION_SERVICES, the table contribution_moderate dispatches through.
    "contributions/views.py::<module>": "test_the_moderation_page_refuses_self_moderation",
    "contributions/views.py::bulk_approve": "test_bulk_approval_refuses_self_moderation",
    "contributions/api.py::ContributionViewSet.create": "test_logging_creates_undecided_entries",
    "contributions/api.py::ContributionViewSet.approve": "test_the_api_refuses_self_moderation",
    "contributions/api.py::ContributionViewSet.reject": "test_the_api_refuses_self_moderation",
    "contributions/api.py::ContributionViewSet.request_changes": (
        "test_the_api_refuses_self_moderation"
    ),
    "contributions/api.py::ContributionViewSet.revoke": "test_the_api_refuses_self_moderation",
    "contributions/api.py::ContributionViewSet.withdraw": (
        "test_the_contributors_own_actions_never_decide"
    ),
    "contributions/api.py::ContributionViewSet.resubmit": (
        "test_the_contributors_own_actions_never_decide"
    ),
    "contributions/admin.py::ContributionAdmin.approve_selected": (
        "test_the_admin_action_refuses_self_moderation"
    ),
    "cartography/tasks.py::run_import": (
        "test_an_uploaded_list_naming_the_importer_waits_for_another_maintainer"
    ),
    "accounts/identity.py::account_identities_sync": (
        "test_a_claim_reopens_what_the_claimant_decided"
    ),
    "repositories/tasks.py::sync_repository": (
        "test_a_repository_sync_crediting_its_importer_waits_for_another_maintainer"
    ),
    "repositories/management/commands/import_repository.py::Command.handle": (
        "test_the_repository_command_decides_for_nobody"
    ),
    "repositories/views.py::work_hide": "test_hiding_and_showing_refuse_self_moderation",
    "repositories/api.py::RepositoryWorkViewSet.hide": (
        "test_hiding_and_showing_refuse_self_moderation"
    ),
    "repositories/api.py::RepositoryWorkViewSet.show": (
        "test_hiding_and_showing_refuse_self_moderation"
    ),
    "repositories/importer.py::Importer._flush_cells": (
        "test_a_repository_sync_crediting_its_importer_waits_for_another_maintainer"
    ),
    "repositories/importer.py::Importer._record": (
        "test_a_repository_sync_crediting_its_importer_waits_for_another_maintainer"
    ),
    "repositories/importer.py::Importer._record_batch": (
        "test_a_repository_sync_crediting_its_importer_waits_for_another_maintainer"
    ),
    "repositories/views.py::work_unhide": "test_hiding_and_showing_refuse_self_moderation",
    "repositories/views.py::source_remove": "test_removing_a_repository_source_decides_nothing",
    "repositories/api.py::RepositorySourceViewSet.destroy": (
        "test_removing_a_repository_source_decides_nothing"
    ),
    "contributions/management/commands/import_allcontributors.py::Command.handle": (
        "test_the_command_line_import_naming_the_importer_waits_for_another_maintainer"
    ),
}

# Writes of a `status` that is not an entry's, found by the same scan.
NOT_THE_LEDGER: dict[str, str] = {
    "repositories/services.py::repository_sync_request": "a repository sync's own state",
    "cartography/tasks.py::run_import": "also the state of the ImportRun itself",
    "projects/openness/importers/index.py::index_import": "an index import's per-file result",
}


# THE SCAN
# ------------------------------------------------------------------------------
def _modules():
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            if "migrations" not in path.parts:
                yield path.relative_to(ROOT).as_posix(), ast.parse(path.read_text())


def _scopes(tree: ast.Module):
    """(qualified name, node) of every function and method, and "<module>" for the rest."""
    found = []

    def visit(node, prefix: str) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef):
                found.append((f"{prefix}{child.name}", child))
            elif isinstance(child, ast.ClassDef):
                visit(child, f"{prefix}{child.name}.")

    visit(tree, "")
    module_level = [
        n for n in tree.body if not isinstance(n, ast.FunctionDef | ast.ClassDef | ast.Import)
    ]
    found.append(("<module>", ast.Module(body=module_level, type_ignores=[])))
    return found


def _own_nodes(scope):
    """The nodes of a scope, not descending into nested functions (they are scopes too)."""
    stack = list(ast.iter_child_nodes(scope))
    while stack:
        node = stack.pop()
        yield node
        if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            stack.extend(ast.iter_child_nodes(node))


def _sql_constants(tree: ast.Module) -> set[str]:
    """Module-level names bound to SQL that writes the ledger (COPY or INSERT statements)."""
    names = set()
    for node in tree.body:
        if isinstance(node, ast.Assign) and _writes_ledger_sql(node.value):
            names |= {t.id for t in node.targets if isinstance(t, ast.Name)}
    return names


def _writes_ledger_sql(node) -> bool:
    return any(
        isinstance(sub, ast.Constant)
        and isinstance(sub.value, str)
        and any(sql in sub.value for sql in LEDGER_SQL)
        for sub in ast.walk(node)
    )


def _writes_status(scope, sql_names: set[str]) -> bool:
    for node in _own_nodes(scope):
        if isinstance(node, ast.Assign | ast.AugAssign | ast.AnnAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            # Tuple targets too: `entry, result.status = ...`.
            named = [sub for t in targets for sub in ast.walk(t)]
            if any(isinstance(t, ast.Attribute) and t.attr == "status" for t in named):
                return True
        if isinstance(node, ast.Call):
            func = node.func
            name = getattr(func, "id", None) or getattr(func, "attr", "")
            keywords = {k.arg: k.value for k in node.keywords}
            if "status" in keywords and (name in QUERYSET_WRITES or name in LEDGER_MODELS):
                return True
            fields = keywords.get("update_fields") or keywords.get("fields")
            if fields is not None and any(
                isinstance(c, ast.Constant) and c.value == "status" for c in ast.walk(fields)
            ):
                return True
            if name == "setattr" and any(
                isinstance(a, ast.Constant) and a.value == "status" for a in node.args
            ):
                return True
        # SQL bound to a module-level name is a definition; the functions using it write.
        in_function = isinstance(scope, ast.FunctionDef | ast.AsyncFunctionDef)
        if in_function and isinstance(node, ast.Constant) and _writes_ledger_sql(node):
            return True
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load) and node.id in sql_names:
            return True
    return False


def _service_aliases(tree: ast.Module) -> tuple[set[str], dict[str, str]]:
    """Names bound to a service module (`from contributions import services`) and names imported
    from one (`from contributions.services import contribution_approve`)."""
    modules, functions = set(), {}
    service_dotted = {m.removesuffix(".py").replace("/", ".") for m in SERVICE_MODULES}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            for alias in node.names:
                dotted = f"{node.module}.{alias.name}"
                if dotted in service_dotted:
                    modules.add(alias.asname or alias.name)
                elif node.module in service_dotted:
                    functions[alias.asname or alias.name] = f"{node.module}:{alias.name}"
    return modules, functions


def status_changing_paths() -> set[str]:
    modules = dict(_modules())
    writers: set[str] = set()
    for name, tree in modules.items():
        sql_names = _sql_constants(tree)
        for qualified, scope in _scopes(tree):
            if _writes_status(scope, sql_names):
                writers.add(f"{name}::{qualified}")

    # Services that reach a writer, within and across the service modules, to a fixed point.
    reaching = {
        w for w in writers if w.split("::")[0] in SERVICE_MODULES and w not in NOT_THE_LEDGER
    }
    changed = True
    while changed:
        changed = False
        # By their last name: a method is called as `self.name(...)`.
        names = {w.split("::")[1].split(".")[-1] for w in reaching}
        for name in SERVICE_MODULES:
            tree = modules.get(name)
            if tree is None:
                continue
            _, imported = _service_aliases(tree)
            for qualified, scope in _scopes(tree):
                key = f"{name}::{qualified}"
                if key in reaching or qualified == "<module>":
                    continue
                # What the function calls (`name(...)`, `thing.name(...)`), not every name it
                # mentions: a variable called `run` is not a call of `Importer.run`.
                used = {
                    getattr(n.func, "id", None) or getattr(n.func, "attr", None)
                    for n in _own_nodes(scope)
                    if isinstance(n, ast.Call)
                }
                used = {imported.get(u, u).split(":")[-1] for u in used if u}
                if used & names:
                    reaching.add(key)
                    changed = True

    # Entry points: callers of those services anywhere else.
    service_names = {w.split("::")[1].split(".")[-1] for w in reaching}
    entry_points = set()
    for name, tree in modules.items():
        if name in SERVICE_MODULES:
            continue
        aliases, imported = _service_aliases(tree)
        for qualified, scope in _scopes(tree):
            for node in _own_nodes(scope):
                via_module = (
                    isinstance(node, ast.Attribute)
                    and isinstance(node.value, ast.Name)
                    and node.value.id in aliases
                    and node.attr in service_names
                )
                via_import = (
                    isinstance(node, ast.Name)
                    and node.id in imported
                    and imported[node.id].split(":")[-1] in service_names
                )
                if via_module or via_import:
                    entry_points.add(f"{name}::{qualified}")
                    break
    return writers | reaching | entry_points


def test_every_status_changing_path_is_listed_with_its_test():
    found = status_changing_paths()
    listed = set(PATHS) | set(NOT_THE_LEDGER)
    assert not found - listed, (
        "New code sets a contribution's status (or calls a service that does): add it to PATHS "
        f"with a test proving it refuses self-moderation: {sorted(found - listed)}"
    )
    assert not listed - found, f"Listed but no longer found, remove: {sorted(listed - found)}"
    tests = {name for name in globals() if name.startswith("test_")}
    assert set(PATHS.values()) <= tests, sorted(set(PATHS.values()) - tests)


def test_the_scan_sees_a_new_status_writer(tmp_path):
    """The scan itself: a function assigning `.status` is found, wherever it hides."""
    tree = ast.parse(
        "def sneaky(entry):\n    entry.status = 'approved'\n    entry.save()\n"
        "def quiet(qs):\n    qs.update(status='approved')\n"
        "def reader(qs):\n    return qs.filter(status='approved')\n"
        "def unpacked(entry):\n    row, entry.status = 1, 'approved'\n"
    )
    found = {q for q, scope in _scopes(tree) if _writes_status(scope, set())}
    assert found == {"sneaky", "quiet", "unpacked"}


# THE PEOPLE
# ------------------------------------------------------------------------------
def connect_github(user, login: str, uid: str) -> None:
    """What allauth records when `user` connects a GitHub account, and the sync it triggers."""
    SocialAccount.objects.create(
        user=user, provider="github", uid=uid, extra_data={"login": login, "id": int(uid)}
    )
    account_identities_sync(user=user)


@pytest.fixture
def people(project, maintainer, contributor_user, staff):
    """The project's maintainer (whose GitHub account `maint-gh` is connected, so the handle is
    proven theirs), a second maintainer, staff, and a contributor."""
    co_maintainer = factories.UserFactory(username="co-maintainer")
    factories.MaintainershipFactory(project=project, user=co_maintainer)
    connect_github(maintainer, "maint-gh", uid="101")
    return {
        "project": project,
        "maintainer": maintainer,
        "maintainer_record": Contributor.objects.get(user=maintainer),
        "co_maintainer": co_maintainer,
        "staff": staff,
        "staff_record": factories.ContributorFactory(user=staff, display_name="Staff"),
        "contributor_user": contributor_user,
    }


def own_entry(people, status="pending", who="maintainer"):
    """An entry credited to `who`; decided ones were decided by the co-maintainer."""
    record = people[f"{who}_record"]
    moderated = {} if status == "pending" else {"moderated_by": people["co_maintainer"]}
    return factories.ContributionFactory(
        project=people["project"], contributor=record, status=status, **moderated
    )


def snapshot(entry):
    entry.refresh_from_db()
    return (entry.status, entry.moderated_by_id, entry.events.count())


ACTIONS = [
    ("approve", "pending"),
    ("reject", "pending"),
    ("request_changes", "pending"),
    ("revoke", "approved"),
]


def self_moderated_rows():
    return Contribution.objects.filter(
        status__in=("approved", "rejected", "changes_requested"),
        contributor__user_id=F("moderated_by_id"),
    )


# EVERY PATH REFUSES
# ------------------------------------------------------------------------------
@pytest.mark.parametrize("who", ["maintainer", "staff"])
@pytest.mark.parametrize(("action", "status"), ACTIONS, ids=[a for a, _ in ACTIONS])
def test_the_services_refuse_self_moderation(people, action, status, who):
    entry = own_entry(people, status, who=who)
    before = snapshot(entry)
    service = getattr(services, f"contribution_{action}")
    with pytest.raises(PermissionDenied, match="their own"):
        service(contribution=entry, moderator=people[who], note="Looks right to me.")
    assert snapshot(entry) == before
    # Another maintainer may: the rule is about the person, not the role.
    service(contribution=entry, moderator=people["co_maintainer"], note="Checked.")


@pytest.mark.parametrize(("action", "status"), ACTIONS, ids=[a for a, _ in ACTIONS])
def test_the_moderation_page_refuses_self_moderation(client, people, action, status):
    entry = own_entry(people, status)
    before = snapshot(entry)
    client.force_login(people["maintainer"])
    response = client.post(
        reverse("contributions:contribution_moderate", kwargs={"pk": entry.pk}),
        {"action": action, "note": "Fine by me."},
    )
    assert response.status_code == HTTPStatus.FORBIDDEN
    assert snapshot(entry) == before


@pytest.mark.parametrize(("action", "status"), ACTIONS, ids=[a for a, _ in ACTIONS])
def test_the_api_refuses_self_moderation(people, action, status):
    entry = own_entry(people, status)
    before = snapshot(entry)
    api = APIClient()
    api.force_authenticate(people["maintainer"])
    url = f"/api/v1/contributions/{entry.pk}/{action.replace('_', '-')}/"
    response = api.post(url, {"note": "Fine by me."}, format="json")
    assert response.status_code == HTTPStatus.FORBIDDEN
    assert snapshot(entry) == before


def test_bulk_approval_refuses_self_moderation(client, people):
    own = own_entry(people)
    theirs = factories.ContributionFactory(
        project=people["project"],
        contributor=factories.ContributorFactory(user=people["contributor_user"]),
    )
    before = snapshot(own)
    outcomes = services.contribution_bulk_approve(
        contribution_ids=[own.pk, theirs.pk], moderator=people["maintainer"]
    )
    assert outcomes == {own.pk: services.SELF_MODERATION, theirs.pk: "approved"}
    assert snapshot(own) == before

    client.force_login(people["maintainer"])
    response = client.post(reverse("contributions:bulk_approve"), {"ids": [own.pk]}, follow=True)
    assert services.SELF_MODERATION in response.content.decode()
    assert snapshot(own) == before


def test_the_admin_action_refuses_self_moderation(client, people):
    people["staff"].is_superuser = True
    people["staff"].save()
    entry = own_entry(people, who="staff")
    before = snapshot(entry)
    client.force_login(people["staff"])
    response = client.post(
        reverse("admin:contributions_contribution_changelist"),
        {"action": "approve_selected", "_selected_action": [entry.pk]},
        follow=True,
    )
    assert services.SELF_MODERATION in response.content.decode()
    assert snapshot(entry) == before


def test_logging_creates_undecided_entries(client, people):
    """Logging (service, page, API) never decides: the entry waits, with no moderator."""
    maintainer = people["maintainer"]
    services.contribution_submit(
        user=maintainer, project=people["project"], type="documentation", title="Service"
    )
    client.force_login(maintainer)
    client.post(
        reverse("contributions:contribution_create"),
        {
            "project": people["project"].pk,
            "type": "documentation",
            "title": "Page",
            "phase": "not_specific",
            "compensation": "undisclosed",
        },
    )
    api = APIClient()
    api.force_authenticate(maintainer)
    api.post(
        "/api/v1/contributions/",
        {"project": people["project"].slug, "type": "documentation", "title": "API"},
        format="json",
    )
    logged = Contribution.objects.filter(contributor__user=maintainer)
    assert sorted(logged.values_list("title", flat=True)) == ["API", "Page", "Service"]
    assert set(logged.values_list("status", "moderated_by")) == {("pending", None)}


def test_the_contributors_own_actions_never_decide(client, people):
    """Withdrawing and answering a request for changes (service, page, API) are the
    contributor's own moves: they never record the contributor as a moderator."""
    maintainer = people["maintainer"]
    asked = [own_entry(people, "changes_requested") for _ in range(3)]
    services.contribution_resubmit(contribution=asked[0], user=maintainer, note="Done.")
    client.force_login(maintainer)
    client.post(
        reverse("contributions:contribution_withdraw", kwargs={"pk": asked[1].pk}), {"note": ""}
    )
    api = APIClient()
    api.force_authenticate(maintainer)
    api.post(f"/api/v1/contributions/{asked[2].pk}/resubmit/", {"note": "Done."}, format="json")
    for entry in asked:
        entry.refresh_from_db()
        assert entry.moderated_by_id != maintainer.pk
    assert [e.status for e in asked] == ["pending", "withdrawn", "pending"]
    pending = own_entry(people)
    services.contribution_withdraw(contribution=pending, user=maintainer)
    api.post(f"/api/v1/contributions/{own_entry(people).pk}/withdraw/", {}, format="json")
    assert not self_moderated_rows().exists()


# IMPORTS: THE SIDE DOOR
# ------------------------------------------------------------------------------
def credit_list(*logins: str) -> bytes:
    return json.dumps(
        {
            "projectName": "bielik",
            "contributors": [
                {"login": login, "name": login.title(), "contributions": ["code", "doc"]}
                for login in logins
            ],
        }
    ).encode()


def assert_waits_for_another_maintainer(people) -> None:
    mine = Contribution.objects.filter(contributor=people["maintainer_record"], source="import")
    assert mine.count() == 2
    assert set(mine.values_list("status", "moderated_by")) == {("pending", None)}
    assert all(
        e.to_status == "pending" and "another maintainer" in e.note
        for e in ModerationEvent.objects.filter(contribution__in=mine)
    )
    # The others named in the list are the project's own credit, approved by the importer.
    others = Contribution.objects.filter(source="import").exclude(
        contributor=people["maintainer_record"]
    )
    assert others.exists()
    assert set(others.values_list("status", flat=True)) == {"approved"}
    assert not self_moderated_rows().exists()
    # The importer cannot approve them; the other maintainer can.
    entry = mine.first()
    with pytest.raises(PermissionDenied):
        services.contribution_approve(contribution=entry, moderator=people["maintainer"])
    services.contribution_approve(contribution=entry, moderator=people["co_maintainer"])
    entry.refresh_from_db()
    assert (entry.status, entry.moderated_by) == ("approved", people["co_maintainer"])


def test_an_import_naming_the_importer_waits_for_another_maintainer(client, people):
    """The attack: a maintainer imports a credit list naming their own GitHub handle. A typed
    handle no longer attaches credit (profile handles are read-only), and the handle of the
    account they connected gives them pending entries, not ones approved by themselves."""
    maintainer = people["maintainer"]
    client.force_login(maintainer)
    client.post(
        reverse("accounts:profile"),
        {"display_name": "Maintainer", "github": "self-promoter", "is_public": "on"},
    )
    people["maintainer_record"].refresh_from_db()
    assert people["maintainer_record"].github == "maint-gh"  # the typed handle was ignored

    report = credit_list_import(
        project=people["project"], data=credit_list("MAINT-GH", "ada"), importer=maintainer
    )
    assert report.ok, report.problems
    assert report.created == 4
    assert_waits_for_another_maintainer(people)


def test_an_uploaded_list_naming_the_importer_waits_for_another_maintainer(
    client, people, django_capture_on_commit_callbacks
):
    client.force_login(people["maintainer"])
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("import_new", kwargs={"slug": people["project"].slug}),
            {
                "kind": "allcontributors",
                "file": SimpleUploadedFile(".all-contributorsrc", credit_list("maint-gh", "ada")),
            },
        )
    assert ImportRun.objects.get().status == ImportRun.Status.SUCCEEDED
    assert_waits_for_another_maintainer(people)


def test_the_command_line_import_naming_the_importer_waits_for_another_maintainer(people, tmp_path):
    path = tmp_path / ".all-contributorsrc"
    path.write_bytes(credit_list("MAINT-GH", "ada"))
    call_command(
        "import_allcontributors",
        str(path),
        project=people["project"].slug,
        username=people["maintainer"].username,
        no_progress=True,
        stdout=io.StringIO(),
        stderr=io.StringIO(),
    )
    assert_waits_for_another_maintainer(people)


def test_a_claim_reopens_what_the_claimant_decided(people):
    """The attack in two steps: a maintainer imports a list naming a handle (a placeholder,
    approved by them), then connects that GitHub account, which claims the placeholder. What they
    decided on it is decided again by someone else."""
    maintainer = people["maintainer"]
    report = credit_list_import(
        project=people["project"], data=credit_list("hidden-me"), importer=maintainer
    )
    assert report.ok and report.created == 2
    placeholder = Contributor.objects.get(github="hidden-me")
    rejected = factories.ContributionFactory(
        project=people["project"],
        contributor=placeholder,
        status="rejected",
        moderated_by=maintainer,
    )
    by_someone_else = factories.ContributionFactory(
        project=people["project"],
        contributor=placeholder,
        status="approved",
        moderated_by=people["co_maintainer"],
    )
    connect_github(maintainer, "hidden-me", uid="102")  # signs in with it: the claim runs

    credits = Contribution.objects.filter(contributor=people["maintainer_record"])
    assert credits.count() == 4
    assert not self_moderated_rows().exists()
    reopened = credits.filter(status="pending")
    assert set(reopened.values_list("moderated_by", flat=True)) == {None}
    assert rejected in reopened and reopened.count() == 3
    by_someone_else.refresh_from_db()
    assert (by_someone_else.status, by_someone_else.moderated_by) == (
        "approved",
        people["co_maintainer"],
    )
    events = ModerationEvent.objects.filter(note=services.REOPEN_ON_CLAIM_NOTE)
    assert sorted(events.values_list("from_status", flat=True)) == [
        "approved",
        "approved",
        "rejected",
    ]


def test_a_claim_without_an_own_record_reopens_too(project, maintainer):
    report = credit_list_import(project=project, data=credit_list("solo"), importer=maintainer)
    assert report.ok
    claim = services.contributor_claim_placeholder(user=maintainer, kind="github", value="solo")
    assert claim.contributor.user == maintainer
    assert set(claim.contributor.contributions.values_list("status", flat=True)) == {"pending"}
    assert not self_moderated_rows().exists()


# REPOSITORY HISTORY
# ------------------------------------------------------------------------------
@pytest.fixture
def repository(people, settings, tmp_path):
    """A git history with work by the maintainer (under their verified address) and by Ada,
    added to the project as a source."""
    settings.REPOSITORY_CACHE_DIR = str(tmp_path / "cache")
    repo = GitRepo(tmp_path / "history")
    me = f"Maintainer <{people['maintainer'].email}>"
    repo.commit({"docs/intro.md": lines(2)}, author=ADA, date=day("2025-01-05"))
    repo.commit({"src/app.py": lines(10)}, author=me, date=day("2025-01-10"))
    repo.commit({"docs/guide.md": lines(4)}, author=ADA, date=day("2025-01-12"))
    source = repository_source_add(project=people["project"], url=str(repo.path), allow_local=True)
    return source


def repository_rows(people, who: str):
    return Contribution.objects.filter(
        project=people["project"], source="repository", contributor__user=people[who]
    )


@pytest.mark.parametrize("batch", [importer.BATCH, 1], ids=["cells-at-the-end", "cells-per-batch"])
def test_a_repository_sync_crediting_its_importer_waits_for_another_maintainer(
    people, repository, batch, monkeypatch
):
    """A maintainer who asks for a sync of a history with their own commits does not get that
    credit approved by the history they chose: it waits for another maintainer. Through the job
    (repositories.tasks) and the service the job runs; the cells written when the read ends and,
    a commit per batch, those settled on the way (the maintainer's, once an older commit of
    Ada's is read)."""
    monkeypatch.setattr(importer, "BATCH", batch)
    requested = repository_sync_request(source=repository, user=people["maintainer"])
    sync_repository(requested.pk)
    mine = repository_rows(people, "maintainer")
    assert mine.count() == 1
    assert set(mine.values_list("status", "verification", "moderated_by")) == {
        ("pending", "moderation", None)
    }
    others = Contribution.objects.filter(source="repository").exclude(pk__in=mine)
    assert set(others.values_list("status", "verification")) == {("approved", "repository_history")}
    entry = mine.get()
    with pytest.raises(PermissionDenied):
        services.contribution_approve(contribution=entry, moderator=people["maintainer"])
    services.contribution_approve(contribution=entry, moderator=people["co_maintainer"])
    # A later sync follows the numbers and keeps the other maintainer's approval.
    repository_sync_execute(sync_id=repository_sync_request(source=repository).pk)
    entry.refresh_from_db()
    assert (entry.status, entry.moderated_by) == ("approved", people["co_maintainer"])
    assert not self_moderated_rows().exists()


def test_a_repository_added_by_a_maintainer_credits_them_nothing_approved(people, repository):
    RepositorySource.objects.filter(pk=repository.pk).update(added_by=people["maintainer"])
    repository.refresh_from_db()
    repository_sync_execute(sync_id=repository_sync_request(source=repository).pk)
    assert set(repository_rows(people, "maintainer").values_list("status", flat=True)) == {
        "pending"
    }


def test_the_repository_command_decides_for_nobody(people, repository, tmp_path):
    """The operator's command line names no person: credit rests on the history, no moderator
    is recorded, so nobody is recorded deciding on their own credit."""
    call_command(
        "import_repository",
        str(tmp_path / "history"),
        project=people["project"].slug,
        stdout=io.StringIO(),
    )
    rows = Contribution.objects.filter(source="repository")
    assert rows.count() == 2
    assert set(rows.values_list("status", "moderated_by")) == {("approved", None)}
    assert not self_moderated_rows().exists()


def test_hiding_and_showing_refuse_self_moderation(client, people, repository):
    """Hiding rejects a repository entry and showing it credits it again: neither by the person
    it credits (service, repositories service, page, API)."""
    repository_sync_execute(sync_id=repository_sync_request(source=repository).pk)
    entry = repository_rows(people, "maintainer").get()
    before = snapshot(entry)
    with pytest.raises(PermissionDenied, match="their own"):
        services.contribution_hide(contribution=entry, user=people["maintainer"], reason="Mine.")
    with pytest.raises(PermissionDenied, match="their own"):
        repository_work_hide(contribution=entry, user=people["maintainer"], reason="Mine.")
    client.force_login(people["maintainer"])
    response = client.post(
        reverse("repositories:work_hide", kwargs={"pk": entry.pk}), {"reason": "Mine."}
    )
    assert response.status_code == HTTPStatus.FORBIDDEN
    api = f"/api/v1/repository-work/{entry.pk}/"
    response = client.post(api + "hide/", {"reason": "Mine."}, content_type="application/json")
    assert response.status_code == HTTPStatus.FORBIDDEN
    assert snapshot(entry) == before

    services.contribution_hide(contribution=entry, user=people["co_maintainer"], reason="Bot.")
    hidden = snapshot(entry)
    with pytest.raises(PermissionDenied, match="their own"):
        services.contribution_unhide(contribution=entry, user=people["maintainer"])
    with pytest.raises(PermissionDenied, match="their own"):
        repository_work_unhide(contribution=entry, user=people["maintainer"])
    response = client.post(reverse("repositories:work_unhide", kwargs={"pk": entry.pk}))
    assert response.status_code == HTTPStatus.FORBIDDEN
    response = client.post(api + "show/", {}, content_type="application/json")
    assert response.status_code == HTTPStatus.FORBIDDEN
    assert snapshot(entry) == hidden
    services.contribution_unhide(contribution=entry, user=people["co_maintainer"])
    entry.refresh_from_db()
    assert entry.status == "approved"
    assert not self_moderated_rows().exists()


def test_removing_a_repository_source_decides_nothing(client, people, repository):
    """Removing a source withdraws its credit, decided by nobody (page and service)."""
    repository_sync_execute(sync_id=repository_sync_request(source=repository).pk)
    client.force_login(people["maintainer"])
    response = client.post(reverse("repositories:source_remove", kwargs={"pk": repository.pk}))
    assert response.status_code == HTTPStatus.FOUND
    rows = Contribution.objects.filter(source="repository")
    assert set(rows.values_list("status", flat=True)) == {"withdrawn"}
    assert not self_moderated_rows().exists()
    assert not ModerationEvent.objects.filter(
        contribution__in=rows, to_status="withdrawn", actor__isnull=False
    ).exists()


def test_demo_data_credits_nobody_who_moderates():
    call_command(
        "generate_demo_data",
        contributions=200,
        synthetic_projects=2,
        contributors=10,
        seed=3,
        no_progress=True,
        no_stats=True,
        stdout=io.StringIO(),
    )
    assert Contribution.objects.filter(status="approved").exists()
    assert not Contributor.objects.filter(user__isnull=False).exists()
    assert not self_moderated_rows().exists()


# THE DATABASE GUARD
# ------------------------------------------------------------------------------
def refused_by_the_database(write) -> None:
    with (
        pytest.raises(IntegrityError, match="contribution_moderator_not_contributor"),
        transaction.atomic(),
    ):
        write()


def test_the_database_refuses_a_self_moderated_update(people):
    entry = own_entry(people)
    for status in ("approved", "rejected", "changes_requested"):
        refused_by_the_database(
            lambda status=status: Contribution.objects.filter(pk=entry.pk).update(
                status=status, moderated_by=people["maintainer"], moderated_at=timezone.now()
            )
        )
    assert snapshot(entry)[:2] == ("pending", None)
    # Decided by someone else, or withdrawn by its contributor: allowed.
    Contribution.objects.filter(pk=entry.pk).update(
        status="approved", moderated_by=people["co_maintainer"], moderated_at=timezone.now()
    )


def test_the_database_refuses_a_self_moderated_insert(people):
    def bulk():
        Contribution.objects.bulk_create(
            [
                Contribution(
                    project=people["project"],
                    contributor=people["maintainer_record"],
                    type="code",
                    title="Self-approved",
                    status="approved",
                    moderated_by=people["maintainer"],
                    moderated_at=timezone.now(),
                )
            ]
        )

    refused_by_the_database(bulk)

    def raw():
        with connection.cursor() as cursor:
            cursor.execute(
                "INSERT INTO contributions_contribution (project_id, contributor_id, type, phase, "
                "title, description, evidence_urls, unit, compensation, status, moderated_by_id, "
                "moderated_at, source, external_id, created_at, updated_at) VALUES (%s, %s, "
                "'code', 'not_specific', 'Raw', '', '[]', '', 'undisclosed', 'approved', %s, "
                "%s, 'web', '', %s, %s)",
                [
                    people["project"].pk,
                    people["maintainer_record"].pk,
                    people["maintainer"].pk,
                    timezone.now(),
                    timezone.now(),
                    timezone.now(),
                ],
            )

    refused_by_the_database(raw)
    assert not Contribution.objects.filter(title__in=["Self-approved", "Raw"]).exists()


def test_the_database_refuses_a_claim_of_ones_own_decisions(people):
    """Giving a placeholder to the user who approved its credit, by any path."""
    placeholder = factories.ContributorFactory(user=None, display_name="Placeholder")
    factories.ContributionFactory(
        project=people["project"],
        contributor=placeholder,
        status="approved",
        moderated_by=people["contributor_user"],
    )
    refused_by_the_database(
        lambda: Contributor.objects.filter(pk=placeholder.pk).update(
            user=people["contributor_user"]
        )
    )
    refused_by_the_database(
        lambda: Contribution.objects.filter(contributor=placeholder).update(
            contributor=factories.ContributorFactory(user=people["contributor_user"])
        )
    )
    # To anyone else it may go.
    Contributor.objects.filter(pk=placeholder.pk).update(user=factories.UserFactory())
