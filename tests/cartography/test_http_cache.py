"""Anonymous pages and API reads carry an ETag that follows the ledger version, answer 304 to a
matching If-None-Match, and are public; signed-in responses are private (cartography/http_cache)."""

import pytest
from django.conf import settings
from django.urls import reverse

from contributions import services
from contributions.models import ProjectLedgerVersion
from tests import factories

pytestmark = pytest.mark.django_db

PUBLIC_URLS = [
    ("home", {}),
    ("governance", {}),
    ("projects:project_list", {}),
    ("projects:project_detail", {"slug": "bielik"}),
    ("openness:overview", {}),
    ("contributions:contribution_list", {}),
    ("api:project-list", {}),
    ("api:stats-global", {}),
    ("api:project-stats", {"slug": "bielik"}),
    ("api:map", {}),
]


@pytest.fixture
def pending(project, contributor_user):
    """A pending entry of `project`, its contributor's profile already made."""
    contributor = services.contributor_for_user(user=contributor_user)
    return factories.ContributionFactory(project=project, contributor=contributor)


def etag(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200
    return response["ETag"]


def version(project) -> int:
    versions = ProjectLedgerVersion.objects.filter(project=project)
    return versions.values_list("version", flat=True).first() or 0


@pytest.mark.parametrize(("name", "kwargs"), PUBLIC_URLS)
def test_anonymous_read_is_public_with_a_validator_and_revalidates_to_304(
    client, project, name, kwargs
):
    url = reverse(name, kwargs=kwargs)

    response = client.get(url)

    assert response.status_code == 200
    cache_control = response["Cache-Control"]
    assert "public" in cache_control
    assert "no-cache" in cache_control
    assert "private" not in cache_control
    assert not response.cookies, "a public response sets no cookie"
    # A shared cache keeps one copy per representation, and none for a session cookie.
    assert {"Cookie", "Accept"} <= {v.strip() for v in response["Vary"].split(",")}
    tag = response["ETag"]
    assert tag.startswith('"')

    again = client.get(url, HTTP_IF_NONE_MATCH=tag)

    assert again.status_code == 304
    assert again["ETag"] == tag
    assert again.content == b""
    assert client.get(url, HTTP_IF_NONE_MATCH='"something-else"').status_code == 200


@pytest.mark.parametrize(("name", "kwargs"), PUBLIC_URLS)
def test_signed_in_responses_stay_private(client, project, contributor_user, name, kwargs):
    client.force_login(contributor_user)
    url = reverse(name, kwargs=kwargs)

    response = client.get(url)

    assert response.status_code == 200
    assert "private" in response["Cache-Control"]
    assert "public" not in response["Cache-Control"]
    assert not response.has_header("ETag")


def test_an_anonymous_visitor_with_a_session_gets_a_private_page(client, project):
    """A session can hold a message for the next page: that page is the visitor's own."""
    session = client.session
    session["anything"] = 1
    session.save()
    client.cookies[settings.SESSION_COOKIE_NAME] = session.session_key

    response = client.get(reverse("home"))

    assert "private" in response["Cache-Control"]
    assert not response.has_header("ETag")


def test_a_token_authenticated_api_read_is_private(client, project):
    response = client.get(reverse("api:project-list"), HTTP_AUTHORIZATION="Token nothing")

    assert "public" not in response.get("Cache-Control", "")
    assert not response.has_header("ETag")


def test_the_etag_moves_exactly_when_an_approval_moves_the_ledger_version(
    client, project, pending, staff
):
    urls = [
        reverse("projects:project_detail", kwargs={"slug": project.slug}),
        reverse("home"),
        reverse("api:project-stats", kwargs={"slug": project.slug}),
    ]
    before = {url: etag(client, url) for url in urls}
    version_before = version(project)

    # Reads, and a pending entry, leave the version alone: the tags stay.
    factories.ContributionFactory(project=project, contributor=pending.contributor)
    assert version(project) == version_before
    assert {url: etag(client, url) for url in urls} == before

    services.contribution_approve(contribution=pending, moderator=staff)

    assert version(project) > version_before
    after = {url: etag(client, url) for url in urls}
    assert all(after[url] != before[url] for url in urls)
    # The old copy is not current any more; the new one is.
    page = urls[0]
    assert client.get(page, HTTP_IF_NONE_MATCH=before[page]).status_code == 200
    assert client.get(page, HTTP_IF_NONE_MATCH=after[page]).status_code == 304


def test_another_projects_approval_leaves_a_project_page_alone(client, project, staff):
    other = factories.ProjectFactory()
    entry = factories.ContributionFactory(project=other)
    page = reverse("projects:project_detail", kwargs={"slug": project.slug})
    listing = reverse("projects:project_list")
    page_tag, listing_tag = etag(client, page), etag(client, listing)

    services.contribution_approve(contribution=entry, moderator=staff)

    assert etag(client, page) == page_tag
    assert etag(client, listing) != listing_tag


def test_a_registry_change_moves_the_etag(client, project):
    page = reverse("projects:project_detail", kwargs={"slug": project.slug})
    tag = etag(client, page)

    project.name = "Bielik Renamed"
    project.save()

    assert etag(client, page) != tag
    assert "Bielik Renamed" in client.get(page).content.decode()


def test_pages_outside_the_list_are_left_alone(client, project):
    response = client.get(reverse("projects:project_propose"))

    assert not response.has_header("ETag")
