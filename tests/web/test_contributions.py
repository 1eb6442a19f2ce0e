"""Logging, editing and showing contributions on the web."""

import datetime as dt
import re
from http import HTTPStatus

import pytest
from django.urls import reverse
from django.utils import timezone

from contributions import stats
from contributions.choices import TYPE_DOMAIN, ContributionDomain, ContributionType
from contributions.models import Contribution
from tests import factories

pytestmark = pytest.mark.django_db

NEW = reverse("contributions:contribution_create")


@pytest.fixture
def signed_in(client, contributor_user):
    client.force_login(contributor_user)
    return client


@pytest.fixture
def polish(db):
    return factories.LanguageFactory()


def valid_data(project, **overrides):
    data = {
        "project": project.pk,
        "type": "data_annotation",
        "title": "3,000 Polish preference pairs",
        "description": "Rated pairs for the **instruction** model.",
        "occurred_on": (timezone.localdate() - dt.timedelta(days=2)).isoformat(),
        "quantity": "3000",
        "unit": "",
        "phase": "post_training",
        "artifact": "",
        "languages": "pol",
        "evidence_urls": "https://example.org/a\n\nhttps://example.org/b\n",
        "compensation": "volunteer",
    }
    data.update(overrides)
    return data


def test_the_form_offers_every_type_grouped_by_domain(signed_in, project):
    html = signed_in.get(NEW, {"project": project.slug}).content.decode()
    select = html[html.index('name="type"') : html.index("</select>", html.index('name="type"'))]
    groups = re.findall(r'<optgroup label="([^"]+)">', select)
    assert groups == [domain.label for domain in ContributionDomain]
    values = re.findall(r'<option value="([a-z_]+)"', select)
    assert sorted(values) == sorted(ContributionType.values)
    # Each type sits in its own domain's group.
    for domain in ContributionDomain:
        start = select.index(f'<optgroup label="{domain.label}">')
        chunk = select[start : select.index("</optgroup>", start)]
        assert set(re.findall(r'<option value="([a-z_]+)"', chunk)) == {
            t for t, d in TYPE_DOMAIN.items() if d == domain
        }
    assert "Compute donation (GPU-hours)" in select  # the typical unit beside the type


def test_logging_a_contribution(signed_in, project, polish, contributor_user):
    model = factories.ArtifactFactory(project=project)
    response = signed_in.post(NEW, valid_data(project, artifact=model.pk))
    entry = Contribution.objects.get()
    assert response.status_code == HTTPStatus.FOUND
    assert response["Location"] == entry.get_absolute_url()
    assert entry.status == "pending"
    assert entry.contributor.user == contributor_user
    assert entry.unit == "items annotated"  # left empty: the type's typical unit
    assert entry.quantity == 3000
    assert entry.evidence_urls == ["https://example.org/a", "https://example.org/b"]
    assert entry.artifact == model
    assert list(entry.languages.all()) == [polish]
    assert list(entry.events.values_list("from_status", "to_status")) == [("", "pending")]


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"occurred_on": "2999-01-01"}, "occurred_on", "cannot be in the future"),
        ({"evidence_urls": "javascript:alert(1)"}, "evidence_urls", "not an http(s) link"),
        ({"evidence_urls": "ftp://example.org/x"}, "evidence_urls", "not an http(s) link"),
        ({"languages": "pol, xxq"}, "languages", "Unknown language"),
        ({"type": "poetry"}, "type", "Select a valid choice"),
        ({"title": ""}, "title", "required"),
        ({"quantity": "-5"}, "quantity", "greater than or equal to 0"),
        ({"type": "funding", "quantity": "10"}, "unit", "Say what the quantity counts"),
        # The form accepts it; the service refuses it and its error lands on the field.
        ({"quantity": "5000000000"}, "quantity", "implausibly large"),
    ],
)
def test_invalid_input_is_shown_next_to_the_field_and_nothing_is_saved(
    signed_in, project, polish, overrides, field, message
):
    response = signed_in.post(NEW, valid_data(project, **overrides))
    assert response.status_code == HTTPStatus.OK
    form = response.context["form"]
    assert message in " ".join(form.errors[field])
    html = response.content.decode()
    # The error is rendered inside the field's group, before its widget.
    group_start = html.index(f'for="id_{field}"')
    widget = html.index(f'id="id_{field}"', group_start)
    assert "errorlist" in html[group_start:widget]
    assert Contribution.objects.count() == 0


def test_an_artifact_of_another_project_is_refused_with_a_message_naming_both(
    signed_in, project, polish
):
    other = factories.ProjectFactory(name="OLMo")
    elsewhere = factories.ArtifactFactory(project=other, name="OLMo 2 7B", version="")
    response = signed_in.post(NEW, valid_data(project, artifact=elsewhere.pk))
    errors = " ".join(response.context["form"].errors["artifact"])
    assert errors == (
        "“OLMo 2 7B” is an artifact of OLMo, not of Bielik: choose one of Bielik's artifacts, "
        "or none."
    )
    assert "valid choice" not in response.content.decode()
    assert Contribution.objects.count() == 0


def test_the_artifact_list_holds_the_chosen_projects_artifacts_only(signed_in, project):
    mine = factories.ArtifactFactory(project=project, name="Bielik 11B", version="")
    factories.ArtifactFactory(name="Someone else's model", version="")
    html = signed_in.get(NEW, {"project": project.slug}).content.decode()
    select = html[
        html.index('name="artifact"') : html.index("</select>", html.index('name="artifact"'))
    ]
    assert re.findall(r'<option value="(\d*)"', select) == ["", str(mine.pk)]
    assert "Someone else" not in html
    # The page names the project and links back to the first step.
    assert "Project: <strong>Bielik</strong>" in html
    assert f'href="{NEW}"' in html


def test_without_a_project_the_first_step_asks_for_one(signed_in, project):
    response = signed_in.get(NEW, {"type": "translation"})
    assert response.templates[0].name == "contributions/contribution_choose_project.html"
    html = response.content.decode()
    assert f'<option value="{project.slug}">Bielik</option>' in html
    assert 'name="type" value="translation"' in html
    assert 'name="artifact"' not in html
    chosen = signed_in.get(NEW, {"project": project.slug, "type": "translation"})
    assert chosen.context["form"].initial == {"project": project, "type": "translation"}


def test_an_unknown_or_unlisted_project_is_asked_again(signed_in):
    proposal = factories.ProjectFactory(listing_status="pending", slug="proposed")
    for slug in ("no-such-project", proposal.slug):
        html = signed_in.get(NEW, {"project": slug}).content.decode()
        assert "No listed project has this name" in html
        assert 'name="title"' not in html


def test_only_listed_projects_take_contributions(signed_in, polish):
    proposal = factories.ProjectFactory(listing_status="pending")
    response = signed_in.post(NEW, valid_data(proposal))
    assert "project" in response.context["form"].errors
    assert Contribution.objects.count() == 0


def test_the_project_is_preselected_from_the_project_page(signed_in, project):
    model = factories.ArtifactFactory(project=project, name="Bielik 11B")
    factories.ArtifactFactory(name="Someone else's model")
    form = signed_in.get(NEW, {"project": project.slug}).context["form"]
    assert form.initial["project"] == project
    assert [value for value, _ in form.fields["artifact"].widget.choices] == ["", model.pk]


def test_contributor_edits_and_withdraws_while_pending(signed_in, pending, polish):
    url = reverse("contributions:contribution_edit", args=[pending.pk])
    data = valid_data(pending.project, title="Corrected title")
    del data["project"]
    assert signed_in.post(url, data).status_code == HTTPStatus.FOUND
    pending.refresh_from_db()
    assert pending.title == "Corrected title"
    assert pending.status == "pending"
    signed_in.post(reverse("contributions:contribution_withdraw", args=[pending.pk]))
    pending.refresh_from_db()
    assert pending.status == "withdrawn"
    assert list(pending.events.values_list("to_status", flat=True)) == ["withdrawn"]


def test_my_contributions_shows_every_status(signed_in, project, contributor_profile):
    titles = {}
    for status in ("pending", "approved", "rejected", "changes_requested", "withdrawn"):
        entry = factories.ContributionFactory(
            project=project, contributor=contributor_profile, status=status
        )
        titles[status] = entry.title
    factories.ContributionFactory(project=project)  # someone else's
    response = signed_in.get(reverse("contributions:my_contributions"))
    listed = {c.title for c in response.context["page"].object_list}
    assert listed == set(titles.values())


def test_public_pages_show_only_approved_entries(client, project, pending, approved):
    listing = client.get(reverse("contributions:contribution_list"))
    assert list(listing.context["page"].object_list) == [approved]
    page = client.get(project.get_absolute_url()).content.decode()
    assert approved.title in page
    assert pending.title not in page
    # Asking the list for other statuses shows nothing more to an anonymous visitor.
    listing = client.get(reverse("contributions:contribution_list"), {"status": "pending"})
    assert list(listing.context["page"].object_list) == []


def test_project_page_counts_approved_work_by_type_and_phase(client, project):
    for type_, phase in [
        ("data_annotation", "post_training"),
        ("data_annotation", "post_training"),
        ("compute_donation", "pre_training"),
        ("translation", "post_release"),
    ]:
        factories.ContributionFactory(project=project, type=type_, phase=phase, status="approved")
    factories.ContributionFactory(project=project, type="code", status="rejected")
    stats.refresh_project(project.pk)  # what the job does after each approval
    response = client.get(project.get_absolute_url())
    html = response.content.decode()
    assert "4 approved contributions" in html
    section = html[html.index('id="contributions-heading"') :]
    rows = re.findall(r"<tr><th scope=\"row\">([^<]+)</th><td>([^<]+)</td>(.*?)</tr>", section)
    counts = {name: re.findall(r'<td class="num">(\d+)</td>', cells) for name, _, cells in rows}
    # Columns: pre-training, post-training, post-release, not phase-specific, total.
    assert counts["Data annotation"] == ["0", "2", "0", "0", "2"]
    assert counts["Compute donation"] == ["1", "0", "0", "0", "1"]
    assert counts["Translation and localization"] == ["0", "0", "1", "0", "1"]
    assert "Code" not in counts


def test_contributor_profile_lists_approved_work_only(
    client, contributor_profile, approved, pending
):
    response = client.get(contributor_profile.get_absolute_url())
    assert list(response.context["page"].object_list) == [approved]
