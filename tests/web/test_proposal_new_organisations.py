"""Proposing a project names organisations the registry does not know yet (issue 15, problem 13).

A new organisation exists only for its proposal: offered to nobody else, listed nowhere (API,
snapshot, profile affiliation, the proposal form's list), listed when staff list the proposal and
removed when they decline it.
"""

from http import HTTPStatus

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from projects.models import Organisation, Project, ProjectOrganisation
from tests import factories
from tests.web.test_projects import proposal_data, reference  # noqa: F401 (fixture)

pytestmark = pytest.mark.django_db


def propose_with_new_organisation(client, user, reference, **rows):  # noqa: F811
    client.force_login(user)
    data = proposal_data(
        **{
            "org-0-organisation": reference["lab"].pk,
            "org-0-role": "partner",
            "org-1-new_name": "  Turku   NLP  Group ",
            "org-1-new_kind": "research_institute",
            "org-1-role": "lead",
        }
        | rows
    )
    return client.post(reverse("projects:project_propose"), data)


def public_organisation_names() -> set[str]:
    api = APIClient()
    listed = {row["name"] for row in api.get("/api/v1/organizations/").json()["results"]}
    snapshot = {row["name"] for row in api.get("/api/v1/snapshot/").json()["organisations"]}
    assert listed == snapshot
    return listed


def test_the_form_offers_a_new_organisation_by_name(client, contributor_user):
    client.force_login(contributor_user)
    html = client.get(reverse("projects:project_propose")).content.decode()
    assert 'name="org-0-new_name"' in html and 'name="org-0-new_kind"' in html
    assert "name one that is not there yet" in html


def test_a_new_organisation_waits_with_its_proposal(client, contributor_user, reference):  # noqa: F811
    response = propose_with_new_organisation(client, contributor_user, reference)
    assert response.status_code == HTTPStatus.FOUND
    project = Project.objects.get(slug="poro")
    new = Organisation.objects.get(name="Turku NLP Group")  # spaces tidied
    assert new.kind == "research_institute" and new.proposed_with == project
    assert set(ProjectOrganisation.objects.values_list("organisation__name", "role")) == {
        ("University lab", "partner"),
        ("Turku NLP Group", "lead"),
    }
    # Listed nowhere: not in the API, the snapshot, or anyone's choices.
    assert "Turku NLP Group" not in public_organisation_names()
    assert APIClient().get(f"/api/v1/organizations/{new.slug}/").status_code == 404
    other = factories.UserFactory(username="someone-else")
    client.force_login(other)
    form = client.get(reverse("projects:project_propose")).context["organisations"].forms[0]
    assert new not in form.fields["organisation"].queryset
    profile = client.get(reverse("accounts:profile")).context["form"]
    assert new not in profile.fields["affiliation"].queryset
    # The proposer sees it on their proposal's page.
    client.force_login(contributor_user)
    assert "Turku NLP Group" in client.get(project.get_absolute_url()).content.decode()


def test_listing_the_proposal_lists_its_new_organisation(
    client,
    contributor_user,
    staff,
    reference,  # noqa: F811
):
    propose_with_new_organisation(client, contributor_user, reference)
    client.force_login(staff)
    client.post(reverse("projects:project_review", args=["poro"]), {"decision": "approve"})
    new = Organisation.objects.get(name="Turku NLP Group")
    assert new.proposed_with is None
    assert "Turku NLP Group" in public_organisation_names()
    assert APIClient().get(f"/api/v1/organizations/{new.slug}/").status_code == 200
    assert ProjectOrganisation.objects.filter(organisation=new, role="lead").exists()


def test_declining_the_proposal_removes_its_new_organisation(
    client,
    contributor_user,
    staff,
    reference,  # noqa: F811
):
    propose_with_new_organisation(client, contributor_user, reference)
    client.force_login(staff)
    client.post(reverse("projects:project_review", args=["poro"]), {"decision": "decline"})
    assert not Organisation.objects.filter(name="Turku NLP Group").exists()
    assert Organisation.objects.filter(name="University lab").exists()  # a listed one stays
    assert "Turku NLP Group" not in public_organisation_names()


def test_a_name_the_registry_knows_reuses_the_listed_organisation(
    client,
    contributor_user,
    reference,  # noqa: F811
):
    propose_with_new_organisation(
        client, contributor_user, reference, **{"org-1-new_name": "university LAB"}
    )
    assert Organisation.objects.count() == 2  # no new row
    assert ProjectOrganisation.objects.filter(organisation=reference["lab"], role="lead").exists()


@pytest.mark.parametrize(
    ("row", "field", "words"),
    [
        ({"org-1-new_kind": ""}, "new_kind", "what kind"),
        ({"org-1-organisation": "REF"}, "new_name", "not both"),
        ({"org-1-role": ""}, "role", "what role"),
    ],
)
def test_an_incomplete_new_organisation_is_explained_and_nothing_is_created(
    client,
    contributor_user,
    reference,  # noqa: F811
    row,
    field,
    words,
):
    row = {k: (reference["cloud"].pk if v == "REF" else v) for k, v in row.items()}
    response = propose_with_new_organisation(client, contributor_user, reference, **row)
    assert response.status_code == HTTPStatus.OK
    errors = response.context["organisations"].forms[1].errors
    assert words in " ".join(errors[field])
    assert not Project.objects.exists()
    assert not Organisation.objects.filter(name="Turku NLP Group").exists()


def test_the_api_proposal_names_a_new_organisation(contributor_user, staff, reference):  # noqa: F811
    api = APIClient()
    api.force_authenticate(contributor_user)
    body = {
        "name": "Poro",
        "slug": "poro",
        "governance_model": "multi_org_research_institute",
        "organisations": [
            {"organisation": reference["lab"].slug, "role": "partner"},
            {"new_name": "Turku NLP Group", "new_kind": "research_institute", "role": "lead"},
        ],
    }
    response = api.post("/api/v1/projects/", body, format="json")
    assert response.status_code == HTTPStatus.CREATED, response.json()
    new = Organisation.objects.get(name="Turku NLP Group")
    assert new.proposed_with.slug == "poro"
    assert "Turku NLP Group" not in public_organisation_names()

    refused = api.post(
        "/api/v1/projects/",
        body | {"slug": "poro-2", "organisations": [{"new_name": "X Lab", "role": "lead"}]},
        format="json",
    )
    assert refused.status_code == HTTPStatus.BAD_REQUEST
    assert "new_kind" in str(refused.json()["errors"])
    assert not Project.objects.filter(slug="poro-2").exists()
