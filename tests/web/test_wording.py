"""What a newcomer reads: labels instead of stored codes, plain words instead of jargon, counts
that agree with their nouns, and messages that promise only what happens."""

import re
from http import HTTPStatus

import pytest
from django.test import override_settings
from django.urls import reverse

from cartography.worldmap import render_choropleth
from projects import services as project_services
from tests import factories

pytestmark = pytest.mark.django_db


def moderate(client, entry, action, note=""):
    url = reverse("contributions:contribution_moderate", args=[entry.pk])
    return client.post(url, {"action": action, "note": note}, follow=True)


def page_messages(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


def test_governance_history_shows_labels_not_codes(client, project, maintainer):
    project_services.project_update_governance(
        project=project,
        editor=maintainer,
        changes={
            "governance_model": "company_grassroots",
            "governance_confirmed": True,
            "motivations": ["open_science"],
            "contribution_agreement": "dco",
        },
    )
    html = client.get(project.get_absolute_url()).content.decode()
    history = html[html.index('id="history-heading"') :]
    assert "Governance model" in history
    assert "Non-profit-sponsored grassroots project" in history  # from
    assert "Company-sponsored grassroots project" in history  # to
    assert "nonprofit_grassroots" not in history
    assert "company_grassroots" not in history
    assert "governance_model" not in history
    assert "governance_confirmed" not in history
    assert ">Yes<" in history
    assert "Promoting open science" in history
    assert "open_science" not in history
    assert "Developer Certificate of Origin (DCO)" in history


def test_listing_a_proposal_says_what_it_means(client, staff):
    proposal = factories.ProjectFactory(name="EuroLLM", slug="eurollm", listing_status="pending")
    client.force_login(staff)
    response = client.post(
        reverse("projects:project_review", args=[proposal.slug]),
        {"decision": "approve", "note": ""},
        follow=True,
    )
    said = " ".join(page_messages(response))
    assert "EuroLLM is listed" in said
    assert "Listed." not in said


def test_the_profile_explains_the_elephant_factor(client, contributor_user):
    client.force_login(contributor_user)
    html = client.get(reverse("accounts:profile")).content.decode()
    assert "Elephant Factor: the fewest organisations" in html


def test_one_of_a_thing_is_singular_on_the_map(client):
    svg = render_choropleth(
        {"PL": 1, "DE": 2}, title="t", value_label="projects", value_label_one="project"
    )
    assert "Poland: 1 project<" in svg
    assert "Germany: 2 projects<" in svg
    assert "1 projects" not in svg
    project = factories.ProjectFactory(listing_status="listed")
    project.countries.add(factories.CountryFactory(code="PL", name="Poland", continent="EU"))
    html = client.get(reverse("home")).content.decode()
    assert re.search(r"in 1 country<", html)
    assert "1 countries" not in html
    assert "1 projects" not in html


def test_no_jargon_about_rollups_on_the_public_pages(client):
    for name in ("home", "governance", "compare"):
        html = client.get(reverse(name)).content.decode()
        assert "rollup" not in html
        assert "not computed" not in html


def test_the_change_request_note_is_beside_the_banner(
    client, maintainer, contributor_user, pending
):
    client.force_login(maintainer)
    moderate(client, pending, "request_changes", "Please link the dataset card.")
    for user in (contributor_user, maintainer):
        client.force_login(user)
        html = client.get(pending.get_absolute_url()).content.decode()
        banner = html[html.index('data-testid="change-request"') :]
        banner = banner[: banner.index("</div>")]
        assert "Changes requested" in banner
        assert "Please link the dataset card." in banner
        assert "maintainer" in banner  # who asked
    client.force_login(contributor_user)
    html = client.get(pending.get_absolute_url()).content.decode()
    assert "Answer the request" in html


def test_a_decision_says_the_mail_is_sent_when_jobs_run_in_process(client, maintainer, pending):
    client.force_login(maintainer)
    said = " ".join(page_messages(moderate(client, pending, "approve")))
    assert "A mail tells the contributor." in said


@override_settings(CELERY_TASK_ALWAYS_EAGER=False)
def test_a_decision_says_the_mail_is_queued_when_jobs_wait_for_a_worker(
    client, maintainer, pending
):
    client.force_login(maintainer)
    response = moderate(client, pending, "approve")
    assert response.status_code == HTTPStatus.OK
    said = " ".join(page_messages(response))
    assert "is queued" in said
    assert "notified by mail" not in said


def test_a_decision_on_a_credit_without_an_address_promises_no_mail(client, maintainer, project):
    placeholder = factories.ContributorFactory(user=None, github="someone")
    entry = factories.ContributionFactory(project=project, contributor=placeholder)
    client.force_login(maintainer)
    said = " ".join(page_messages(moderate(client, entry, "approve")))
    assert "no mail is sent" in said


# What a contributor is told about mail when they log work (issue 15, problem 10): the promise
# holds only when jobs run in-process; otherwise the page says the mail waits for a worker.
def log_work(client, user, project):
    from tests.web.test_contributions import NEW, valid_data

    factories.LanguageFactory(code="pol", name="Polish")
    client.force_login(user)
    response = client.post(NEW, valid_data(project), follow=True)
    assert response.status_code == HTTPStatus.OK
    return " ".join(page_messages(response))


def test_logging_work_promises_a_mail_when_jobs_run_in_process(client, contributor_user, project):
    assert "you get a mail when they decide" in log_work(client, contributor_user, project)


@override_settings(CELERY_TASK_ALWAYS_EAGER=False)
def test_logging_work_says_the_mail_is_queued_when_jobs_wait_for_a_worker(
    client, contributor_user, project
):
    said = log_work(client, contributor_user, project)
    assert "queued" in said and "background worker" in said
    assert "you get a mail" not in said


def test_logging_work_without_an_address_promises_no_mail(client, contributor_user, project):
    contributor_user.email = ""
    contributor_user.save()
    said = log_work(client, contributor_user, project)
    assert "no e-mail address" in said and "you get a mail" not in said


def queued_import_page(client, project, maintainer) -> str:
    from cartography.models import ImportRun

    run = ImportRun.objects.create(
        project=project,
        requested_by=maintainer,
        kind=ImportRun.Kind.ALL_CONTRIBUTORS,
        filename=".all-contributorsrc",
        content="{}",
    )
    client.force_login(maintainer)
    return client.get(run.get_absolute_url()).content.decode()


@override_settings(CELERY_TASK_ALWAYS_EAGER=False)
def test_a_queued_import_says_it_waits_for_a_worker(client, project, maintainer):
    html = queued_import_page(client, project, maintainer)
    assert 'data-testid="import-waits"' in html
    assert "it starts when a background worker runs the jobs" in html


def test_an_import_run_in_process_claims_no_wait_for_a_worker(client, project, maintainer):
    assert 'data-testid="import-waits"' not in queued_import_page(client, project, maintainer)


# The stylesheet appends " (inferred)" to every `.inferred` element (static/css/site.css), so the
# text a reader sees is the markup with that suffix: "(inferred (inferred))" was on the openness
# overview (issue 15, problem 1).
INFERRED = re.compile(r'<span class="inferred">(.*?)</span>', re.S)


def as_read(html: str) -> str:
    text = INFERRED.sub(lambda m: f"{m.group(1)} (inferred)", html)
    return " ".join(re.sub(r"<[^>]+>", "", text).split())


def test_the_stylesheet_still_appends_the_marker():
    from pathlib import Path

    css = (Path(__file__).resolve().parents[2] / "static" / "css" / "site.css").read_text()
    assert re.search(r'\.inferred::after\s*{\s*content: " \(inferred\)"', css)


@pytest.mark.parametrize("url", ["/openness/", "/governance/", "/projects/", "/", "/compare/"])
def test_no_page_says_inferred_twice(client, project, url):
    project.governance_confirmed = False  # its governance model is shown as inferred
    project.save()
    model = factories.ArtifactFactory(project=project, kind="model", name="Bielik 11B")
    assert model.pk
    response = client.get(url)
    assert response.status_code == HTTPStatus.OK, url
    text = as_read(response.content.decode())
    assert "inferred (inferred)" not in text
    assert "(inferred (inferred))" not in text
