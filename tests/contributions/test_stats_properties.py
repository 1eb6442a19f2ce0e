"""Property: whatever sequence of ledger changes the services make (submit, approve, reject, ask
for changes, revoke, edit, delete an account...), the rollups the jobs maintain equal a
from-scratch computation over the ledger.

Jobs run in-process here (eager), each right after the service call's commit, as they would on a
worker; the service run repeats the fault cases against a real worker (tests/services/).
"""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from contributions import services, tasks
from contributions.choices import Compensation, ContributionType, LifecyclePhase
from contributions.models import Contribution
from tests import factories
from tests.contributions.oracles import assert_rollups_exact

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
USERS = 2
PROJECTS = 2
TYPES = ["code", "data_annotation", "evaluation", "translation", "documentation"]
assert set(TYPES) <= set(ContributionType.values)

entry_fields = st.fixed_dictionaries(
    {},
    optional={
        "type": st.sampled_from(TYPES),
        "phase": st.sampled_from(LifecyclePhase.values),
        # A few far-apart dates, so that months, first contributions and activity windows differ.
        "days_ago": st.sampled_from([0, 20, 45, 100, 400]),
        "quantity": st.one_of(st.none(), st.decimals(min_value=0, max_value=500, places=2)),
        "compensation": st.sampled_from(Compensation.values),
        "languages": st.sets(st.integers(min_value=0, max_value=1)),
    },
)
submissions = st.tuples(
    st.sampled_from(["submit", "submit_approved"]),
    st.integers(0, USERS - 1),
    st.integers(0, PROJECTS - 1),
    entry_fields,
)
actions = st.one_of(
    submissions,
    st.tuples(st.sampled_from(["approve", "reject", "request_changes", "revoke"]), st.integers(0)),
    st.tuples(st.just("edit"), st.integers(0), entry_fields),
    st.tuples(st.just("resubmit"), st.integers(0)),
    st.tuples(st.just("move"), st.integers(0, USERS - 1), st.integers(0, 2)),
    st.tuples(st.just("delete_account"), st.integers(0, USERS - 1)),
)
# Every example starts from a few entries, so the later steps have a ledger to work on.
openings = st.lists(submissions, min_size=2, max_size=6)


def _content(fields: dict, languages: list) -> dict:
    content = {k: v for k, v in fields.items() if k in ("type", "phase", "compensation")}
    if "days_ago" in fields:
        content["occurred_on"] = TODAY - dt.timedelta(days=fields["days_ago"])
    if "quantity" in fields:
        content["quantity"] = fields["quantity"]
        content["unit"] = "items" if fields["quantity"] is not None else ""
    if "languages" in fields:
        content["languages"] = [languages[i] for i in sorted(fields["languages"])]
    return content


@pytest.fixture
def eager():
    conf = tasks.refresh_project_stats.app.conf
    previous = conf.task_always_eager
    conf.task_always_eager = True
    yield
    conf.task_always_eager = previous


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(opening=openings, steps=st.lists(actions, min_size=3, max_size=20))
def test_any_sequence_of_changes_leaves_rollups_exact(
    opening, steps, eager, django_capture_on_commit_callbacks
):
    with transaction.atomic():
        projects = [factories.ProjectFactory() for _ in range(PROJECTS)]
        moderator = factories.UserFactory()
        for project in projects:
            factories.MaintainershipFactory(project=project, user=moderator)
        users = [factories.UserFactory() for _ in range(USERS)]
        orgs = [None, factories.OrganisationFactory(), factories.OrganisationFactory()]
        languages = [
            factories.LanguageFactory(code="yor", name="Yoruba", resource_level="low"),
            factories.LanguageFactory(code="pol", name="Polish", resource_level="medium"),
        ]
        entries: list[Contribution] = []

        def pick(index: int) -> Contribution | None:
            return entries[index % len(entries)] if entries else None

        for step in opening + steps:
            action = step[0]
            try:
                with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
                    if action in ("submit", "submit_approved"):
                        _, who, where, fields = step
                        content = {"type": "code", "title": "Work"} | _content(fields, languages)
                        entry = services.contribution_submit(
                            user=users[who], project=projects[where], **content
                        )
                        entries.append(entry)
                        if action == "submit_approved":
                            services.contribution_approve(contribution=entry, moderator=moderator)
                    elif action == "edit" and (entry := pick(step[1])):
                        services.contribution_update(
                            contribution=entry, user=moderator, **_content(step[2], languages)
                        )
                    elif action == "resubmit" and (entry := pick(step[1])):
                        entry.refresh_from_db()
                        services.contribution_resubmit(
                            contribution=entry, user=entry.contributor.user, note="done"
                        )
                    elif action == "move":
                        services.contributor_update_profile(
                            contributor=services.contributor_for_user(user=users[step[1]]),
                            affiliation=orgs[step[2]],
                        )
                    elif action == "delete_account":
                        services.account_delete(user=users[step[1]])
                    elif entry := pick(step[1]):
                        decide = getattr(services, f"contribution_{action}")
                        decide(contribution=entry, moderator=moderator, note="because")
            except (ValidationError, PermissionDenied):
                pass  # an illegal step changes nothing, which the property covers too
        assert_rollups_exact([p.pk for p in projects])
        transaction.set_rollback(True)
