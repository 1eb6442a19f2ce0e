"""The server's copy of each public page (cartography/http_cache): rendered once per ledger
version, rollup refresh and registry state, served from the cache while they are unchanged, and
rendered again at once when any of them moves; never for a signed-in visitor."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from contributions import services, stats
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def empty_cache():
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


def approved_count(html: str) -> int:
    return int(re.search(r"(\d+) approved contributions?", html)[1])


def get(client, url, **headers):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, **headers)
    assert response.status_code == 200
    return response, len(queries)


def test_a_second_visit_is_served_from_the_cache_with_one_query(client, project):
    factories.ContributionFactory(project=project, status="approved")
    stats.refresh_project(project.pk)
    url = project.get_absolute_url()

    first, rendered = get(client, url)
    again, served = get(client, url)

    assert again.content == first.content
    assert again["ETag"] == first["ETag"]
    assert again["Content-Type"] == first["Content-Type"]
    assert "public" in again["Cache-Control"]
    # The validators' one query (ledger, rollups and registry state) and nothing else.
    assert served == 1 < rendered
    assert again.context is None, "the view did not run"


def test_an_approval_shows_on_the_project_page_at_once(
    client, project, staff, django_capture_on_commit_callbacks
):
    factories.ContributionFactory(project=project, status="approved")
    pending = factories.ContributionFactory(project=project)
    stats.refresh_project(project.pk)
    url = project.get_absolute_url()
    assert approved_count(get(client, url)[0].content.decode()) == 1
    assert approved_count(get(client, url)[0].content.decode()) == 1  # from the cache

    with django_capture_on_commit_callbacks(execute=True):  # the job that follows the commit
        services.contribution_approve(contribution=pending, moderator=staff)

    html = get(client, url)[0].content.decode()
    assert approved_count(html) == 2
    assert pending.title in html  # the recent entries, too


def test_a_page_rendered_before_the_rollups_caught_up_is_not_kept_past_their_refresh(
    client, project, staff
):
    """The version moves at the commit, the rollups a moment later (the job): a page rendered in
    between shows the old numbers, and must not be served once the rollups are fresh."""
    factories.ContributionFactory(project=project, status="approved")
    pending = factories.ContributionFactory(project=project)
    stats.refresh_project(project.pk)
    url = project.get_absolute_url()

    services.contribution_approve(contribution=pending, moderator=staff)  # job not run yet
    assert approved_count(get(client, url)[0].content.decode()) == 1

    stats.refresh_project(project.pk)  # the job

    assert approved_count(get(client, url)[0].content.decode()) == 2


def test_a_pending_entry_leaves_the_copy_alone(client, project):
    entry = factories.ContributionFactory(project=project, status="approved")
    stats.refresh_project(project.pk)
    url = reverse("contributions:contribution_list")
    first, _ = get(client, url)

    factories.ContributionFactory(project=project, contributor=entry.contributor)

    again, served = get(client, url)
    assert served == 1
    assert again.content == first.content


def test_a_registry_change_renders_the_page_again(client, project):
    url = reverse("projects:project_list")
    get(client, url)

    project.name = "Bielik Renamed"
    project.save()

    response, _ = get(client, url)
    assert response.context is not None
    assert "Bielik Renamed" in response.content.decode()


def test_a_repository_source_added_or_synced_renders_the_project_page_again(client, project):
    """A source added (or its totals moved by a sync) changes no ledger version until its work is
    credited; the project page still shows it at once."""
    from repositories.models import RepositorySource

    url = project.get_absolute_url()
    first, _ = get(client, url)
    assert "example-org/example-model" not in first.content.decode()

    source = RepositorySource.objects.create(
        project=project,
        url="https://github.com/example-org/example-model",
        host="github",
        kind="code",
    )
    added, _ = get(client, url)
    assert added.context is not None  # rendered again, not the kept copy
    assert "example-org/example-model" in added.content.decode()

    source.commits = 7
    source.save()
    synced, _ = get(client, url)
    assert synced.context is not None


def test_each_representation_and_query_has_its_own_copy(client, project):
    url = reverse("api:project-list")
    as_json, _ = get(client, url, HTTP_ACCEPT="application/json")
    as_html, _ = get(client, url, HTTP_ACCEPT="text/html")
    further, _ = get(client, f"{url}?offset=1", HTTP_ACCEPT="application/json")

    assert as_json["Content-Type"].startswith("application/json")
    assert as_html["Content-Type"].startswith("text/html")
    assert get(client, url, HTTP_ACCEPT="application/json")[0].content == as_json.content
    assert get(client, url, HTTP_ACCEPT="text/html")[0]["Content-Type"].startswith("text/html")
    assert further.json()["results"] == [] != as_json.json()["results"]


def test_a_signed_in_visitor_never_gets_the_shared_copy(client, project, contributor_user):
    url = project.get_absolute_url()
    anonymous, _ = get(client, url)
    client.force_login(contributor_user)

    response, _ = get(client, url)

    assert response.context is not None
    assert "private" in response["Cache-Control"]
    assert response.content != anonymous.content  # signed in: the page knows who asks


def test_the_copy_can_be_switched_off(client, project, settings):
    settings.HTTP_CACHE_PAGES = False
    url = project.get_absolute_url()
    get(client, url)

    response, _ = get(client, url)

    assert response.context is not None
    assert "public" in response["Cache-Control"]
