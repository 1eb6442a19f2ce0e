"""The registry on the web: proposing and reviewing projects, governance with its history and
"inferred" marker, maintainers, artifacts with lineage and openness components."""

from http import HTTPStatus

import pytest
from django.urls import reverse

from projects.models import Artifact, GovernanceChange, Maintainership, Project, ProjectOrganisation
from projects.models.openness import ArtifactComponent
from tests import factories

pytestmark = pytest.mark.django_db


def proposal_data(**overrides):
    data = {
        "name": "Poro",
        "slug": "",
        "summary": "A Finnish and English model.",
        "governance_model": "multi_org_research_institute",
        "motivations": ["language_representation", "open_science"],
        "countries": "FI",
        "languages": "fin, eng",
        "website": "https://example.org/poro",
        "code_url": "",
        "model_hub_url": "",
        "forum_url": "",
        "code_of_conduct_url": "",
        "contribution_agreement": "none",
        "org-TOTAL_FORMS": "3",
        "org-INITIAL_FORMS": "0",
        "org-MIN_NUM_FORMS": "0",
        "org-MAX_NUM_FORMS": "20",
    }
    data.update(overrides)
    return data


@pytest.fixture
def reference(db):
    factories.CountryFactory(code="FI", name="Finland", continent="EU", numeric="246")
    factories.LanguageFactory(code="fin", name="Finnish")
    factories.LanguageFactory(code="eng", name="English", resource_level="high")
    return {
        "lab": factories.OrganisationFactory(name="University lab", kind="university"),
        "cloud": factories.OrganisationFactory(name="A compute centre", kind="government"),
    }


def test_propose_review_and_become_maintainer(client, contributor_user, staff, reference):
    client.force_login(contributor_user)
    data = proposal_data(
        **{
            "org-0-organisation": reference["lab"].pk,
            "org-0-role": "lead",
            "org-1-organisation": reference["cloud"].pk,
            "org-1-role": "compute_provider",
        }
    )
    response = client.post(reverse("projects:project_propose"), data)
    project = Project.objects.get(slug="poro")  # made from the name
    assert response["Location"] == project.get_absolute_url()
    assert project.listing_status == "pending"
    assert project.proposed_by == contributor_user
    assert project.motivations == ["language_representation", "open_science"]
    assert set(project.languages.values_list("code", flat=True)) == {"fin", "eng"}
    assert list(project.countries.values_list("code", flat=True)) == ["FI"]
    assert set(ProjectOrganisation.objects.values_list("organisation__name", "role")) == {
        ("University lab", "lead"),
        ("A compute centre", "compute_provider"),
    }
    # Not public yet; the proposer sees it.
    assert client.get(project.get_absolute_url()).status_code == HTTPStatus.OK
    assert client.get(reverse("projects:project_list")).context["page"].paginator.count == 1

    client.force_login(staff)
    assert project in client.get(reverse("projects:proposal_list")).context["page"].object_list
    client.post(reverse("projects:project_review", args=["poro"]), {"decision": "approve"})
    project.refresh_from_db()
    assert project.listing_status == "listed"
    assert Maintainership.objects.filter(project=project, user=contributor_user).exists()
    assert GovernanceChange.objects.filter(project=project, field="listing_status").exists()


def test_proposal_errors(client, contributor_user, reference):
    factories.ProjectFactory(slug="taken")
    client.force_login(contributor_user)
    response = client.post(
        reverse("projects:project_propose"),
        proposal_data(slug="taken", countries="ZZ", **{"org-0-organisation": reference["lab"].pk}),
    )
    form = response.context["form"]
    assert "already exists" in " ".join(form.errors["slug"])
    assert "Unknown country" in " ".join(form.errors["countries"])
    assert "role" in response.context["organisations"].forms[0].errors
    response = client.post(reverse("projects:project_propose"), proposal_data(slug="artifacts"))
    assert "reserved" in " ".join(response.context["form"].errors["slug"])
    assert not Project.objects.filter(name="Poro").exists()


def test_inferred_governance_is_marked_with_its_reasoning(client, project):
    project.governance_confirmed = False
    project.governance_reasoning = "A grassroots community with a foundation behind it."
    project.governance_source_url = "https://example.org/about"
    project.save()
    html = client.get(project.get_absolute_url()).content.decode()
    assert '<span class="inferred">Non-profit-sponsored grassroots project</span>' in html
    assert "A grassroots community with a foundation behind it." in html
    assert "https://example.org/about" in html

    project.governance_confirmed = True
    project.save()
    html = client.get(project.get_absolute_url()).content.decode()
    assert 'class="inferred"' not in html
    assert "Confirmed." in html


def test_governance_edit_is_kept_in_the_history(client, project, maintainer):
    client.force_login(maintainer)
    url = reverse("projects:project_edit", args=[project.slug])
    form = client.get(url).context["form"]
    data = {name: form.initial.get(name) or "" for name in form.fields}
    data.update(
        governance_confirmed="on",
        governance_source_url="https://example.org/governance",
        decision_making_body="Steering committee",
        contribution_agreement="dco",
        motivations=["democratizing_access"],
        note="Confirmed by the steering committee.",
    )
    response = client.post(url, data)
    assert response.status_code == HTTPStatus.FOUND
    changes = {c.field: c for c in GovernanceChange.objects.filter(project=project)}
    assert set(changes) == {
        "governance_confirmed",
        "governance_source_url",
        "decision_making_body",
        "contribution_agreement",
        "motivations",
    }
    assert (
        changes["contribution_agreement"].old_value,
        changes["contribution_agreement"].new_value,
    ) == ("none", "dco")
    assert all(c.changed_by == maintainer for c in changes.values())
    html = client.get(project.get_absolute_url()).content.decode()
    history = html[html.index('id="history-heading"') :]
    assert history.count("<tr><td>") == 5
    assert "Confirmed by the steering committee." in history


def test_governance_edit_validates_like_the_model(client, project, maintainer):
    """An unclassified project cannot be confirmed without a source (a model constraint)."""
    client.force_login(maintainer)
    url = reverse("projects:project_edit", args=[project.slug])
    form = client.get(url).context["form"]
    data = {name: form.initial.get(name) or "" for name in form.fields}
    data.update(governance_model="other", governance_confirmed="on", governance_source_url="")
    response = client.post(url, data)
    assert response.status_code == HTTPStatus.OK
    assert response.context["form"].errors
    assert not GovernanceChange.objects.exists()


def test_maintainers_add_and_never_remove_the_last(client, project, maintainer):
    newcomer = factories.UserFactory(username="newcomer")
    client.force_login(maintainer)
    url = reverse("projects:maintainer_list", args=[project.slug])
    assert "No active account" in client.post(url, {"username": "nobody"}).content.decode()
    client.post(url, {"username": "Newcomer"})
    assert Maintainership.objects.filter(project=project, user=newcomer).exists()

    remove = reverse("projects:maintainer_remove", args=[project.slug, newcomer.pk])
    client.post(remove)
    assert not Maintainership.objects.filter(project=project, user=newcomer).exists()
    last = reverse("projects:maintainer_remove", args=[project.slug, maintainer.pk])
    response = client.post(last, follow=True)
    assert "at least one maintainer" in response.content.decode()
    assert Maintainership.objects.filter(project=project, user=maintainer).exists()
    fields = list(GovernanceChange.objects.filter(project=project).values_list("field", flat=True))
    assert fields.count("maintainers") == 2


def test_artifacts_with_licence_languages_lineage_and_components(client, project, maintainer):
    apache = factories.LicenceFactory()
    factories.LanguageFactory()
    base = factories.ArtifactFactory(name="Base model", slug="base-model")
    client.force_login(maintainer)
    response = client.post(
        reverse("projects:artifact_create", args=[project.slug]),
        {
            "kind": "model",
            "name": "Bielik Instruct",
            "version": "v2",
            "slug": "",
            "url": "https://example.org/bielik",
            "licence": "apache-2.0",  # matched case-insensitively after an exact miss
            "languages": "pol",
            "release_date": "2025-01-15",
            "derived_from": "base-model",
            "derivation_relation": "finetune",
            "source_url": "",
        },
    )
    artifact = Artifact.objects.get(name="Bielik Instruct")
    assert response["Location"] == artifact.get_absolute_url()
    assert artifact.slug == "bielik-bielik-instruct-v2"
    assert artifact.licence == apache
    assert artifact.derived_from == base
    page = client.get(artifact.get_absolute_url()).content.decode()
    tree = page[page.index('id="lineage-tree"') :]
    assert "Base model" in tree[: tree.index("</section>")]
    assert 'id="openness"' in page  # the openness verdicts block is filled

    url = reverse("projects:artifact_components", args=[artifact.slug])
    formset = client.get(url).context["formset"]
    data = {
        "mof-TOTAL_FORMS": str(formset.total_form_count()),
        "mof-INITIAL_FORMS": str(formset.initial_form_count()),
        "mof-MIN_NUM_FORMS": "0",
        "mof-MAX_NUM_FORMS": "1000",
    }
    for i, form in enumerate(formset.forms):
        data[f"mof-{i}-component"] = form.initial["component"]
        if form.initial["component"] in ("final_parameters", "model_architecture"):
            data[f"mof-{i}-released"] = "on"
            data[f"mof-{i}-licence"] = "Apache-2.0"
    assert client.post(url, data).status_code == HTTPStatus.FOUND
    assert set(ArtifactComponent.objects.values_list("component", "licence__identifier")) == {
        ("final_parameters", "Apache-2.0"),
        ("model_architecture", "Apache-2.0"),
    }


def test_a_derivation_needs_its_relation(client, project, maintainer):
    factories.ArtifactFactory(slug="base-model")
    client.force_login(maintainer)
    response = client.post(
        reverse("projects:artifact_create", args=[project.slug]),
        {"kind": "model", "name": "Child", "derived_from": "base-model", "derivation_relation": ""},
    )
    assert "derivation_relation" in response.context["form"].errors
    assert not Artifact.objects.filter(name="Child").exists()


def test_project_list_uses_the_filterset(client):
    first = factories.ProjectFactory(name="Alpha", governance_model="single_company")
    factories.ProjectFactory(name="Beta", governance_model="nonprofit_grassroots")
    factories.ProjectFactory(name="Hidden", listing_status="declined")
    response = client.get(reverse("projects:project_list"), {"governance_model": "single_company"})
    assert list(response.context["page"].object_list) == [first]
    response = client.get(reverse("projects:project_list"), {"q": "bet"})
    assert [p.name for p in response.context["page"].object_list] == ["Beta"]
    response = client.get(reverse("projects:project_list"))
    assert [p.name for p in response.context["page"].object_list] == ["Alpha", "Beta"]


def test_the_proposal_form_preselects_no_governance_model(client, contributor_user, reference):
    client.force_login(contributor_user)
    page = client.get(reverse("projects:project_propose")).content.decode()
    select = page[
        page.index('name="governance_model"') : page.index(
            "</select>", page.index('name="governance_model"')
        )
    ]
    assert '<option value="" selected>Choose a governance model</option>' in select
    assert select.count("selected") == 1
    response = client.post(reverse("projects:project_propose"), proposal_data(governance_model=""))
    assert "governance_model" in response.context["form"].errors
    assert not Project.objects.filter(name="Poro").exists()
