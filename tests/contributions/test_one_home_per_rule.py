"""Each rule of the ledger has one definition, and every page, endpoint and export follows it:
contributor visibility (contributions.permissions, contributions.selectors), the status machine
(contributions.choices.TRANSITIONS), the content fields (contributions.models.CONTENT_FIELDS) and
the content checks (contributions.services: the web form and the API give the same answer)."""

import datetime as dt
import inspect
import itertools
from decimal import Decimal
from http import HTTPStatus

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from contributions import permissions, selectors, services
from contributions.choices import (
    DECISION_ACTIONS,
    EDITABLE_BY_CONTRIBUTOR,
    MODERATED_STATUSES,
    MODERATION_ACTIONS,
    TRANSITIONS,
    TYPICAL_UNITS,
    ContributionStatus,
    ModerationAction,
    moderation_actions_from,
)
from contributions.forms import ContributionForm, ModerationForm
from contributions.models import CONTENT_FIELDS, Contribution, Contributor
from contributions.serializers import (
    ContributionCreateSerializer,
    ContributionSerializer,
    ContributionUpdateSerializer,
)
from tests import factories

pytestmark = pytest.mark.django_db

S = ContributionStatus
TODAY = timezone.localdate()


# VALIDATION: the same bad input gets the same answer on the web and in the API
# ------------------------------------------------------------------------------
def web_data(project, **overrides):
    data = {
        "project": project.pk,
        "type": "data_annotation",
        "title": "3,000 Polish preference pairs",
        "description": "",
        "occurred_on": (TODAY - dt.timedelta(days=2)).isoformat(),
        "quantity": "3000",
        "unit": "pairs",
        "phase": "post_training",
        "artifact": "",
        "languages": "",
        "evidence_urls": "https://example.org/a",
        "compensation": "volunteer",
    }
    data.update(overrides)
    return data


def api_body(project, **overrides):
    body = web_data(project, **overrides)
    body["project"] = project.slug
    body["evidence_urls"] = [line for line in body["evidence_urls"].splitlines() if line]
    body["languages"] = []
    del body["artifact"]
    return body


LINKS = [f"https://example.org/{n}" for n in range(11)]

SAME_ANSWER = [
    pytest.param({"occurred_on": "2999-01-01"}, "occurred_on", id="future-date"),
    pytest.param({"evidence_urls": "ftp://example.org/x"}, "evidence_urls", id="ftp-link"),
    pytest.param({"evidence_urls": "\n".join(LINKS)}, "evidence_urls", id="eleven-links"),
    pytest.param(
        {"evidence_urls": "https://example.org/" + "a" * 490}, "evidence_urls", id="link-501"
    ),
    pytest.param({"quantity": "-5"}, "quantity", id="negative-quantity"),
    pytest.param({"quantity": "5000000000"}, "quantity", id="huge-quantity"),
    pytest.param({"type": "funding", "unit": ""}, "unit", id="funding-without-unit"),
    pytest.param({"title": "t" * 201}, "title", id="title-201"),
    pytest.param({"description": "d" * 20_001}, "description", id="description-20001"),
]


@pytest.mark.parametrize(("overrides", "field"), SAME_ANSWER)
def test_the_form_and_the_api_refuse_the_same_input_with_the_same_message(
    client, project, contributor_user, overrides, field
):
    client.force_login(contributor_user)
    response = client.post(
        reverse("contributions:contribution_create"), web_data(project, **overrides)
    )
    assert response.status_code == HTTPStatus.OK
    web_messages = list(response.context["form"].errors[field])

    api = APIClient()
    api.force_authenticate(contributor_user)
    answer = api.post("/api/v1/contributions/", api_body(project, **overrides), format="json")
    assert answer.status_code == HTTPStatus.BAD_REQUEST
    assert answer.json()["errors"][field] == web_messages

    # And it is the service's own message: neither side has a rule of its own.
    data = {k: v for k, v in api_body(project, **overrides).items() if k != "project"}
    data["quantity"] = Decimal(data["quantity"]) if data["quantity"] else None
    data["occurred_on"] = dt.date.fromisoformat(data["occurred_on"])
    del data["languages"]
    with pytest.raises(ValidationError) as excinfo:
        services.contribution_submit(user=contributor_user, project=project, **data)
    assert excinfo.value.message_dict[field] == web_messages
    assert Contribution.objects.count() == 0


def test_a_quantity_without_a_unit_counts_in_the_typical_unit_on_the_web_and_in_the_api(
    client, project, contributor_user
):
    client.force_login(contributor_user)
    client.post(reverse("contributions:contribution_create"), web_data(project, unit=""))
    api = APIClient()
    api.force_authenticate(contributor_user)
    answer = api.post("/api/v1/contributions/", api_body(project, unit=""), format="json")
    assert answer.status_code == HTTPStatus.CREATED
    units = list(Contribution.objects.values_list("unit", flat=True))
    assert units == [TYPICAL_UNITS["data_annotation"]] * 2


@pytest.mark.parametrize(
    ("action", "note"),
    [
        (ModerationAction.REJECT, ""),
        (ModerationAction.REQUEST_CHANGES, "   "),
        (ModerationAction.REJECT, "n" * 2001),
    ],
)
def test_the_moderation_form_and_the_api_refuse_a_note_alike(client, maintainer, action, note):
    entry = factories.ContributionFactory(project=maintainer.maintainerships.get().project)
    client.force_login(maintainer)
    url = reverse("contributions:contribution_moderate", args=[entry.pk])
    response = client.post(url, {"action": action, "note": note})
    assert response.status_code == HTTPStatus.BAD_REQUEST
    web_messages = list(response.context["moderation_form"].errors["note"])

    api = APIClient()
    api.force_authenticate(maintainer)
    path = action.replace("_", "-")
    answer = api.post(f"/api/v1/contributions/{entry.pk}/{path}/", {"note": note}, format="json")
    assert answer.status_code == HTTPStatus.BAD_REQUEST
    assert answer.json()["errors"]["note"] == web_messages
    entry.refresh_from_db()
    assert entry.status == S.PENDING


# CONTENT FIELDS: one list, used by the service, the form, the serializers and the admin
# ------------------------------------------------------------------------------
def test_every_writer_takes_the_content_fields_and_only_those():
    submit = inspect.signature(services.contribution_submit).parameters
    assert set(CONTENT_FIELDS) <= set(submit)
    assert set(ContributionForm.base_fields) >= set(CONTENT_FIELDS)
    update_fields = set(ContributionUpdateSerializer().fields)
    assert update_fields == {*CONTENT_FIELDS, "languages"}
    assert set(ContributionCreateSerializer().fields) == {*CONTENT_FIELDS, "languages", "project"}
    model_fields = {f.name for f in Contribution._meta.get_fields()}
    assert set(CONTENT_FIELDS) <= model_fields


def test_the_form_hands_the_service_exactly_the_content_fields(project):
    form = ContributionForm(web_data(project))
    assert form.is_valid(), form.errors
    assert list(form.content()) == list(CONTENT_FIELDS)


def test_the_service_edits_no_field_outside_the_content(contributor_user, project):
    entry = factories.ContributionFactory(
        project=project, contributor=factories.ContributorFactory(user=contributor_user)
    )
    with pytest.raises(ValidationError, match="Not an editable field: status"):
        services.contribution_update(contribution=entry, user=contributor_user, status=S.APPROVED)


# THE STATUS MACHINE: one table; the service, the policy, the form and the page follow it
# ------------------------------------------------------------------------------
def test_the_derived_vocabulary_follows_the_table():
    assert MODERATED_STATUSES == (S.APPROVED, S.REJECTED, S.CHANGES_REQUESTED)
    assert set(MODERATION_ACTIONS) == {"approve", "reject", "request_changes", "revoke"}
    assert set(DECISION_ACTIONS) == {"approve", "reject", "request_changes"}
    assert EDITABLE_BY_CONTRIBUTOR == (S.PENDING, S.CHANGES_REQUESTED)
    assert [value for value, _ in ModerationForm.base_fields["action"].choices] == list(
        MODERATION_ACTIONS
    )
    # The database constraint checks the same statuses.
    (constraint,) = [
        c
        for c in Contribution._meta.constraints
        if c.name == "contribution_moderated_has_moderator"
    ]
    assert tuple(constraint.condition.children[0].children[0][1]) == MODERATED_STATUSES


SERVICE_OF = {
    ModerationAction.APPROVE: services.contribution_approve,
    ModerationAction.REJECT: services.contribution_reject,
    ModerationAction.REQUEST_CHANGES: services.contribution_request_changes,
    ModerationAction.REVOKE: services.contribution_revoke,
    ModerationAction.WITHDRAW: services.contribution_withdraw,
    ModerationAction.RESUBMIT: services.contribution_resubmit,
}


@pytest.mark.parametrize(
    ("action", "status"), list(itertools.product(ModerationAction.values, S.values))
)
def test_each_service_moves_exactly_as_the_table_says(project, maintainer, action, status):
    author = factories.UserFactory()
    entry = factories.ContributionFactory(
        project=project, status=status, contributor=factories.ContributorFactory(user=author)
    )
    transition = TRANSITIONS[action]
    if transition.by_moderator:
        call = {"moderator": maintainer, "note": "Because."}
    else:
        call = {"user": author, "note": "Because."}
    if status not in transition.from_statuses:
        with pytest.raises(services.TransitionNotAllowed):
            SERVICE_OF[action](contribution=entry, **call)
        return
    SERVICE_OF[action](contribution=entry, **call)
    entry.refresh_from_db()
    assert entry.status == transition.to
    event = entry.events.get()
    assert (event.from_status, event.to_status) == (status, transition.to)


@pytest.mark.parametrize("status", S.values)
def test_the_entry_page_offers_the_moderator_exactly_the_actions_the_table_allows(
    client, project, maintainer, status
):
    entry = factories.ContributionFactory(project=project, status=status)
    client.force_login(maintainer)
    html = client.get(entry.get_absolute_url()).content.decode()
    offered = [a for a in ModerationAction.values if f'name="action" value="{a}"' in html]
    assert offered == moderation_actions_from(status)
    for action in offered:
        assert ModerationAction(action).label in html


# CONTRIBUTOR VISIBILITY: one rule, and a hidden profile is hidden everywhere
# ------------------------------------------------------------------------------
@pytest.mark.parametrize(("is_public", "is_former"), itertools.product([True, False], repeat=2))
def test_the_public_profile_rule_and_its_queryset_agree(is_public, is_former):
    contributor = factories.ContributorFactory(is_public=is_public, is_former=is_former)
    listed = selectors.public_contributors().filter(pk=contributor.pk).exists()
    assert listed == permissions.has_public_profile(contributor) == (is_public and not is_former)


@pytest.mark.parametrize("role", ["anonymous", "owner", "stranger", "staff"])
@pytest.mark.parametrize("is_public", [True, False])
def test_who_may_open_a_profile_is_one_rule_for_objects_and_querysets(role, is_public):
    owner = factories.UserFactory()
    contributor = factories.ContributorFactory(user=owner, is_public=is_public)
    user = {
        "anonymous": AnonymousUser(),
        "owner": owner,
        "stranger": factories.UserFactory(),
        "staff": factories.StaffFactory(),
    }[role]
    in_queryset = selectors.contributors_visible_to(user).filter(pk=contributor.pk).exists()
    assert in_queryset == permissions.can_view_contributor(user, contributor)
    assert in_queryset == (is_public or role in ("owner", "staff"))


def _hidden(**flags) -> Contributor:
    user = factories.UserFactory(username=f"hidden-{len(flags)}-{flags.get('is_former')}")
    return factories.ContributorFactory(
        user=user, display_name="Hidden Person", github="hidden-gh", **flags
    )


@pytest.mark.parametrize(
    "flags",
    [{"is_public": False}, {"is_former": True, "is_public": True}],
    ids=["private", "former"],
)
def test_a_hidden_contributor_is_credited_by_name_only_on_every_page_and_endpoint(
    client, project, flags
):
    shown = factories.ContributorFactory(
        user=factories.UserFactory(username="shown"), display_name="Shown Person", github="shown-gh"
    )
    hidden = _hidden(**flags)
    parent = factories.ArtifactFactory(project=project, slug="parent")
    child = factories.ArtifactFactory(
        project=project, slug="child", derived_from=parent, derivation_relation="finetune"
    )
    entries = {
        contributor: factories.ContributionFactory(
            project=project, contributor=contributor, status=S.APPROVED, artifact=parent
        )
        for contributor in (shown, hidden)
    }

    pages = [
        reverse("contributions:contribution_list"),
        project.get_absolute_url(),
        child.get_absolute_url(),  # upstream credits of the lineage
        entries[hidden].get_absolute_url(),
    ]
    for url in pages:
        html = client.get(url).content.decode()
        assert hidden.get_absolute_url() not in html, url
        assert "Hidden Person" in html, url  # credited by name
    assert (
        "Hidden Person"
        not in client.get(reverse("contributions:contributor_list")).content.decode()
    )
    # The shown one is linked on the lists and pages that credit people (the rule bites).
    assert shown.get_absolute_url() in client.get(project.get_absolute_url()).content.decode()
    assert shown.get_absolute_url() in client.get(child.get_absolute_url()).content.decode()

    assert client.get(hidden.get_absolute_url()).status_code == HTTPStatus.NOT_FOUND
    assert client.get(shown.get_absolute_url()).status_code == HTTPStatus.OK

    api = APIClient()
    listed = {row["display_name"] for row in api.get("/api/v1/contributors/").json()["results"]}
    assert listed == {"Shown Person"}
    detail = api.get(f"/api/v1/contributors/{hidden.user.username}/")
    assert detail.status_code == HTTPStatus.NOT_FOUND
    credited = {
        row["contributor"]["display_name"]: row["contributor"]
        for row in api.get("/api/v1/contributions/").json()["results"]
    }
    assert credited["Hidden Person"] == {
        "display_name": "Hidden Person",
        "id": None,
        "username": None,
        "api_url": None,
    }
    assert credited["Shown Person"]["username"] == "shown"
    document = api.get(f"/api/v1/projects/{project.slug}/all-contributors/").json()
    logins = {entry["name"]: entry.get("login") for entry in document["contributors"]}
    assert logins == {"Shown Person": "shown-gh", "Hidden Person": None}  # no invented login


# THE CSV EXPORT: the API's columns
# ------------------------------------------------------------------------------
def test_the_csv_has_the_api_columns_with_the_same_values(project):
    import csv
    import io

    factories.ContributionFactory(project=project, status=S.APPROVED, quantity=Decimal("12.50"))
    api = APIClient()
    response = api.get("/api/v1/contributions/csv/")
    (row,) = csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode()))
    (item,) = api.get("/api/v1/contributions/").json()["results"]
    assert list(row) == [f for f in ContributionSerializer.Meta.fields if f != "api_url"]
    for name in ("id", "type", "domain", "phase", "title", "unit", "compensation", "status"):
        assert row[name] == str(item[name]), name
    assert Decimal(row["quantity"]) == Decimal(str(item["quantity"]))
    assert row["project"] == item["project"]["slug"]
    assert row["contributor"] == item["contributor"]["display_name"]
