"""The admin: every model's list and change pages open for staff; history is read-only; status
and governance changes made here go through the services (and so leave their records)."""

from http import HTTPStatus

import pytest
from django.contrib import admin
from django.urls import reverse

from contributions.models import Contribution, ModerationEvent
from projects.models import GovernanceChange
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def superuser_client(client):
    user = factories.UserFactory(username="root", is_staff=True, is_superuser=True)
    client.force_login(user)
    return client


@pytest.fixture
def rows(project, maintainer):
    artifact = factories.ArtifactFactory(project=project, licence=factories.LicenceFactory())
    entry = factories.ContributionFactory(project=project, artifact=artifact)
    factories.ModerationEventFactory(contribution=entry)
    GovernanceChange.objects.create(project=project, field="website", new_value="https://x.org")
    factories.CountryFactory()
    factories.LanguageFactory()
    factories.OrganisationFactory()
    return entry


def our_models():
    return [
        model
        for model in admin.site._registry
        if model._meta.app_label in ("accounts", "projects", "contributions")
    ]


def test_every_model_is_registered():
    names = {f"{m._meta.app_label}.{m.__name__}" for m in our_models()}
    assert {
        "accounts.User",
        "accounts.ApiToken",
        "projects.Country",
        "projects.Language",
        "projects.Licence",
        "projects.Organisation",
        "projects.Project",
        "projects.Maintainership",
        "projects.GovernanceChange",
        "projects.Artifact",
        "projects.ArtifactComponent",
        "contributions.Contributor",
        "contributions.Contribution",
        "contributions.ModerationEvent",
    } <= names


def test_every_changelist_and_change_page_opens(superuser_client, rows):
    for model in our_models():
        opts = model._meta
        changelist = reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")
        assert superuser_client.get(changelist).status_code == HTTPStatus.OK, changelist
        assert superuser_client.get(changelist, {"q": "x"}).status_code == HTTPStatus.OK
        obj = model._default_manager.first()
        if obj is not None:
            change = reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk])
            assert superuser_client.get(change).status_code == HTTPStatus.OK, change


@pytest.mark.parametrize("model", [ModerationEvent, GovernanceChange])
def test_history_is_read_only(model, superuser_client, rows):
    opts = model._meta
    assert (
        superuser_client.get(reverse(f"admin:{opts.app_label}_{opts.model_name}_add")).status_code
        == HTTPStatus.FORBIDDEN
    )
    obj = model.objects.first()
    url = reverse(f"admin:{opts.app_label}_{opts.model_name}_delete", args=[obj.pk])
    assert superuser_client.post(url, {"post": "yes"}).status_code == HTTPStatus.FORBIDDEN
    assert model.objects.filter(pk=obj.pk).exists()


def test_admin_approval_goes_through_the_service(superuser_client, rows):
    url = reverse("admin:contributions_contribution_changelist")
    superuser_client.post(url, {"action": "approve_selected", "_selected_action": [rows.pk]})
    rows.refresh_from_db()
    assert rows.status == "approved"
    assert rows.events.filter(to_status="approved", note="Approved in the admin.").exists()
    assert not Contribution.objects.filter(status="pending").exists()


def test_admin_governance_change_is_kept_in_the_history(superuser_client, project):
    url = reverse("admin:projects_project_change", args=[project.pk])
    form = superuser_client.get(url).context["adminform"].form
    data = {}
    for name, field in form.fields.items():
        value = form.initial.get(name, field.initial)
        if value is None:
            continue
        if isinstance(value, list):
            data[name] = [getattr(v, "pk", v) for v in value]
        elif isinstance(value, bool):
            if value:
                data[name] = "on"
        else:
            data[name] = value
    data["motivations"] = "[]"
    data["decision_making_body"] = "Board of the foundation"
    for prefix in ("organisation_roles", "maintainerships"):
        data.update({f"{prefix}-TOTAL_FORMS": "0", f"{prefix}-INITIAL_FORMS": "0"})
    response = superuser_client.post(url, data)
    assert response.status_code == HTTPStatus.FOUND, response.context["adminform"].form.errors
    change = GovernanceChange.objects.get(project=project, field="decision_making_body")
    assert change.new_value == "Board of the foundation"
    assert change.note == "Changed in the admin."
