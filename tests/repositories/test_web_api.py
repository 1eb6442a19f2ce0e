"""Repository sources on the web and in the API: maintainers add and remove them, anyone reads
them; server-side request forgery and local paths are refused by both."""

from http import HTTPStatus

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from contributions.models import Contribution
from repositories import validation
from repositories.models import RepositorySource, RepositorySync
from repositories.services import repository_source_add
from tests import factories
from tests.repositories.conftest import sync

pytestmark = pytest.mark.django_db

PUBLIC = "140.82.112.3"
ADDRESSES = {
    "github.com": [PUBLIC],
    "gitlab.com": [PUBLIC],
    "huggingface.co": [PUBLIC],
}


@pytest.fixture(autouse=True)
def fake_dns(monkeypatch):
    """No network in tests: resolution answers from this table (and refuses the rest)."""

    def resolve(hostname):
        if hostname not in ADDRESSES:
            raise OSError("unknown host")
        return ADDRESSES[hostname]

    monkeypatch.setattr(validation, "resolve_host", resolve)


def api_as(user) -> APIClient:
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


REFUSED = [
    "file:///etc/passwd",
    "/etc",
    "../../etc",
    "~/.ssh",
    "http://github.com/owner/name",
    "git://github.com/owner/name",
    "ssh://git@github.com/owner/name",
    "git@github.com:owner/name.git",
    "ext::sh -c touch% /tmp/pwned",
    "--upload-pack=touch /tmp/pwned",
    "https://127.0.0.1/owner/name",
    "https://localhost/owner/name",
    "https://169.254.169.254/latest/meta-data",
    "https://[::1]/owner/name",
    "https://evil.example.org/owner/name",
    "https://github.com.evil.example.org/owner/name",
    "https://github.com@evil.example.org/owner/name",
    "https://user:secret@github.com/owner/name",
    "https://github.com:8443/owner/name",
    "https://github.com/owner/name?ref=x",
    "https://github.com/owner/../name",
    "https://github.com/owner",
    "https://github.com/owner/name/tree/main",
    "https://huggingface.co/datasets/owner",
]


@pytest.mark.parametrize("url", REFUSED)
def test_the_web_refuses_forged_and_local_targets(client, project, maintainer, url):
    client.force_login(maintainer)
    response = client.post(reverse("repositories:source_list", args=[project.slug]), {"url": url})
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert not RepositorySource.objects.exists()


@pytest.mark.parametrize("url", REFUSED)
def test_the_api_refuses_forged_and_local_targets(project, maintainer, url):
    response = api_as(maintainer).post(
        "/api/v1/repository-sources/", {"project": project.slug, "url": url}, format="json"
    )
    assert response.status_code == HTTPStatus.BAD_REQUEST, response.content
    assert not RepositorySource.objects.exists()


def test_an_allowed_host_resolving_to_a_private_address_is_refused(project, maintainer, settings):
    settings.REPOSITORY_ALLOWED_HOSTS = ["github.com", "git.internal.example"]
    ADDRESSES["git.internal.example"] = ["10.0.0.7"]
    try:
        response = api_as(maintainer).post(
            "/api/v1/repository-sources/",
            {"project": project.slug, "url": "https://git.internal.example/a/b"},
            format="json",
        )
    finally:
        del ADDRESSES["git.internal.example"]
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert "private" in response.json()["errors"]["url"][0]


def test_a_host_that_later_resolves_privately_is_not_fetched(project):
    source = repository_source_add(project=project, url="https://github.com/owner/name")
    ADDRESSES["github.com"] = ["192.168.1.10"]
    try:
        result = sync(source)
    finally:
        ADDRESSES["github.com"] = [PUBLIC]
    assert result.status == "failed" and "private" in result.message


def test_a_maintainer_adds_a_repository_and_its_first_sync_is_queued(client, project, maintainer):
    client.force_login(maintainer)
    response = client.post(
        reverse("repositories:source_list", args=[project.slug]),
        {"url": "https://huggingface.co/datasets/owner/corpus/", "branch": "", "path_filter": ""},
    )
    source = RepositorySource.objects.get()
    assert response.status_code == HTTPStatus.FOUND
    assert response["Location"] == source.get_absolute_url()
    assert source.url == "https://huggingface.co/datasets/owner/corpus"
    assert (source.host, source.kind) == ("huggingface", "dataset")
    assert RepositorySync.objects.get(source=source).status == "queued"


def test_the_api_adds_lists_syncs_and_removes(project, maintainer):
    api = api_as(maintainer)
    created = api.post(
        "/api/v1/repository-sources/",
        {"project": project.slug, "url": "https://github.com/owner/name.git", "branch": "main"},
        format="json",
    )
    assert created.status_code == HTTPStatus.CREATED, created.content
    body = created.json()
    assert body["url"] == "https://github.com/owner/name"
    assert body["latest_sync"]["status"] == "queued"
    listed = api_as(None).get(f"/api/v1/repository-sources/?project={project.slug}")
    assert [row["id"] for row in listed.json()["results"]] == [body["id"]]
    again = api.post(f"/api/v1/repository-sources/{body['id']}/sync/")
    assert again.status_code == HTTPStatus.ACCEPTED
    assert again.json()["id"] == body["latest_sync"]["id"]  # one sync at a time
    removed = api.delete(f"/api/v1/repository-sources/{body['id']}/")
    assert removed.status_code == HTTPStatus.NO_CONTENT
    assert not RepositorySource.objects.exists()


@pytest.mark.parametrize("who", ["anonymous", "stranger", "other_maintainer"])
def test_only_maintainers_and_staff_manage_sources(project, other_maintainer, who):
    user = {
        "anonymous": None,
        "stranger": factories.UserFactory(),
        "other_maintainer": other_maintainer,
    }[who]
    response = api_as(user).post(
        "/api/v1/repository-sources/",
        {"project": project.slug, "url": "https://github.com/owner/name"},
        format="json",
    )
    assert response.status_code in (HTTPStatus.UNAUTHORIZED, HTTPStatus.FORBIDDEN)
    source = repository_source_add(project=project, url="https://github.com/owner/name")
    assert api_as(user).delete(f"/api/v1/repository-sources/{source.pk}/").status_code in (
        HTTPStatus.UNAUTHORIZED,
        HTTPStatus.FORBIDDEN,
    )
    assert RepositorySource.objects.count() == 1


def test_pages_show_repository_work_beside_logged_work(client, project, maintainer, history):
    from tests.repositories.conftest import build_history  # noqa: F401 (the fixture builds it)

    repo, _shas = history
    source = repository_source_add(project=project, url=str(repo.path), allow_local=True)
    sync(source)
    factories.ContributionFactory(project=project, status="approved", type="translation")
    page = client.get(project.get_absolute_url())
    assert page.status_code == HTTPStatus.OK
    text = page.content.decode()
    assert "Work read from repositories" in text
    assert "Work read from repositories (source: their git history)" in text
    detail = client.get(source.get_absolute_url())
    assert detail.status_code == HTTPStatus.OK
    assert "Data curation commits in history" in detail.content.decode()
    assert str(repo.path) not in detail.content.decode()  # a local path stays private
    api = api_as(None).get(f"/api/v1/repository-sources/{source.pk}/").json()
    assert api["url"] == ""
    only_repository = api_as(None).get(
        f"/api/v1/contributions/?project={project.slug}&source=repository"
    )
    rows = only_repository.json()["results"]
    assert len(rows) == 14 and {row["source"] for row in rows} == {"repository"}
    logged = api_as(None).get(f"/api/v1/contributions/?project={project.slug}&source=web")
    assert {row["source"] for row in logged.json()["results"]} <= {"web"}


def test_a_maintainer_hides_an_entry_from_the_source_page(client, project, maintainer, history):
    repo, _shas = history
    source = repository_source_add(project=project, url=str(repo.path), allow_local=True)
    sync(source)
    cell = Contribution.objects.get(project=project, contributor__display_name="Dana")
    client.force_login(maintainer)
    response = client.post(
        reverse("repositories:work_hide", args=[cell.pk]), {"reason": "Not a person."}
    )
    assert response.status_code == HTTPStatus.FOUND
    cell.refresh_from_db()
    assert cell.is_hidden and cell.hidden_reason == "Not a person."
    stranger = factories.UserFactory()
    client.force_login(stranger)
    other = Contribution.objects.filter(project=project, status="approved").first()
    client.post(reverse("repositories:work_hide", args=[other.pk]), {"reason": "Mine now."})
    other.refresh_from_db()
    assert not other.is_hidden


def test_the_api_hides_and_shows_repository_work_with_a_reason(project, maintainer, history):
    repo, _shas = history
    source = repository_source_add(project=project, url=str(repo.path), allow_local=True)
    sync(source)
    cell = Contribution.objects.get(project=project, contributor__display_name="Dana")
    api = api_as(maintainer)
    url = f"/api/v1/repository-work/{cell.pk}/"

    refused = api.post(url + "hide/", {"reason": ""}, format="json")
    assert refused.status_code == HTTPStatus.BAD_REQUEST
    assert "reason" in refused.json()["errors"]
    assert not cell.events.filter(actor=maintainer).exists()

    hidden = api.post(url + "hide/", {"reason": "Dana is a bot alias."}, format="json")
    assert hidden.status_code == HTTPStatus.OK, hidden.content
    assert hidden.json()["status"] == "rejected"
    cell.refresh_from_db()
    assert cell.is_hidden and cell.hidden_reason == "Dana is a bot alias."
    assert cell.events.last().actor == maintainer
    assert "Dana is a bot alias." in cell.events.last().note
    source.refresh_from_db()
    assert source.entries == 13  # the hidden entry left the source's totals
    # Hidden, it is no longer in the public list of repository work.
    public = api_as(None).get(f"/api/v1/contributions/?project={project.slug}&source=repository")
    assert len(public.json()["results"]) == 13
    again = api.post(url + "hide/", {"reason": "Twice."}, format="json")
    assert again.status_code == HTTPStatus.CONFLICT

    shown = api.post(url + "show/", {"note": "Dana is a person after all."}, format="json")
    assert shown.status_code == HTTPStatus.OK, shown.content
    cell.refresh_from_db()
    assert not cell.is_hidden and cell.status == "approved" and cell.moderated_by is None
    assert cell.events.last().note == "Dana is a person after all."
    source.refresh_from_db()
    assert source.entries == 14


def test_the_api_refuses_hiding_ones_own_repository_work(project, maintainer, history):
    repo, _shas = history
    source = repository_source_add(project=project, url=str(repo.path), allow_local=True)
    sync(source)
    cell = Contribution.objects.get(project=project, contributor__display_name="Dana")
    cell.contributor.user = maintainer
    cell.contributor.save(update_fields=["user"])
    response = api_as(maintainer).post(
        f"/api/v1/repository-work/{cell.pk}/hide/", {"reason": "Not mine."}, format="json"
    )
    assert response.status_code == HTTPStatus.FORBIDDEN
    cell.refresh_from_db()
    assert not cell.is_hidden and cell.status == "approved"
