"""Pagination: a bounded `page_size` on every list; cursors without a count on contributions
(stable under inserts, in any offered order), offset with a count elsewhere."""

import datetime as dt
from http import HTTPStatus

import pytest
from rest_framework.test import APIClient

from core.pagination import MAX_PAGE_SIZE
from projects.models import Language
from tests import factories

pytestmark = pytest.mark.django_db


def walk(client: APIClient, url: str) -> list[int]:
    """Follow `next` links to the end; returns the ids in the order served."""
    seen: list[int] = []
    while url:
        response = client.get(url)
        assert response.status_code == HTTPStatus.OK, response.json()
        body = response.json()
        seen += [row["id"] for row in body["results"]]
        url = body["next"]
    return seen


def test_cursor_walk_is_complete_and_stable_under_inserts(project):
    entries = [factories.ContributionFactory(project=project, status="approved") for _ in range(7)]
    client = APIClient()
    first = client.get("/api/v1/contributions/?page_size=3").json()
    # New entries arrive while the client pages: they sort before the cursor, so the walk neither
    # repeats nor skips what was there when it started.
    for _ in range(4):
        factories.ContributionFactory(project=project, status="approved")
    rest = walk(client, first["next"])
    served = [row["id"] for row in first["results"]] + rest
    assert served == [e.pk for e in reversed(entries)]
    assert "count" not in first  # a cursor never counts the table


@pytest.mark.parametrize("ordering", ["date", "-date", "title", "-title", "created", "-created"])
def test_every_offered_order_walks_every_entry_once(project, ordering):
    entries = [
        factories.ContributionFactory(
            project=project,
            status="approved",
            title=f"Entry {n % 3}",  # ties: the id breaks them
            occurred_on=None if n % 4 == 0 else dt.date(2025, 1, 1 + n % 2),
        )
        for n in range(9)
    ]
    served = walk(APIClient(), f"/api/v1/contributions/?ordering={ordering}&page_size=2")

    # Entries without a date sort as the earliest.
    keys = {
        "date": lambda c: (c.occurred_on or dt.date.min, c.pk),
        "title": lambda c: (c.title, c.pk),
        "created": lambda c: (c.created_at, c.pk),
    }
    name = ordering.lstrip("-")
    expected = sorted(entries, key=keys[name], reverse=ordering.startswith("-"))
    assert served == [c.pk for c in expected]


def test_unknown_ordering_is_a_400(project):
    response = APIClient().get("/api/v1/contributions/?ordering=quantity")
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert "ordering" in response.json()["errors"]


LISTS_WITH_COUNT = [
    "/api/v1/projects/",
    "/api/v1/organizations/",
    "/api/v1/artifacts/",
    "/api/v1/licenses/",
    "/api/v1/languages/",
    "/api/v1/contributors/",
    "/api/v1/repository-sources/",
    "/api/v1/openness/",
]
EVERY_LIST = [*LISTS_WITH_COUNT, "/api/v1/contributions/"]


def test_page_size_is_honoured_on_the_offset_lists(db):
    Language.objects.bulk_create(
        Language(code=f"{n:03d}", name=f"Language {n:03d}") for n in range(7)
    )
    client = APIClient()
    body = client.get("/api/v1/languages/?page_size=3").json()
    assert body["count"] == 7
    assert len(body["results"]) == 3
    assert "page_size=3" in body["next"] and "offset=3" in body["next"]
    served = [row["code"] for row in body["results"]]
    while body["next"]:
        body = client.get(body["next"]).json()
        served += [row["code"] for row in body["results"]]
    assert served == [f"{n:03d}" for n in range(7)]


def test_page_size_is_honoured_on_contributions(project):
    for _ in range(5):
        factories.ContributionFactory(project=project, status="approved")
    body = APIClient().get("/api/v1/contributions/?page_size=2").json()
    assert len(body["results"]) == 2
    assert "page_size=2" in body["next"]
    assert set(body) == {"next", "previous", "results"}  # no count on the ledger


def test_the_largest_page_is_served_whole(db):
    Language.objects.bulk_create(
        Language(code=f"{n:03d}", name=f"Language {n:03d}") for n in range(MAX_PAGE_SIZE + 5)
    )
    body = APIClient().get(f"/api/v1/languages/?page_size={MAX_PAGE_SIZE}").json()
    assert body["count"] == MAX_PAGE_SIZE + 5
    assert len(body["results"]) == MAX_PAGE_SIZE
    assert body["next"] is not None


@pytest.mark.parametrize("url", EVERY_LIST)
@pytest.mark.parametrize("value", [str(MAX_PAGE_SIZE + 1), "0", "-5", "ten", "", "2.5"])
def test_a_page_size_out_of_bounds_is_a_400_naming_the_bounds(db, url, value):
    """Never a silent cap or a silent default: the client learns what it may ask for."""
    response = APIClient().get(url, {"page_size": value})
    assert response.status_code == HTTPStatus.BAD_REQUEST, response.content
    (message,) = response.json()["errors"]["page_size"]
    assert f"from 1 to {MAX_PAGE_SIZE}" in message


@pytest.mark.parametrize("url", EVERY_LIST)
def test_the_old_limit_parameter_is_refused_with_its_new_name(db, url):
    response = APIClient().get(url, {"limit": 10})
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert "page_size" in response.json()["errors"]["limit"][0]


def test_the_schema_describes_each_list_as_it_answers(db):
    """Swagger and ReDoc are drawn from this schema: `count` exactly where the response has it,
    `page_size` with its bounds everywhere, `offset` or `cursor` as the list moves."""
    schema = APIClient().get("/api/schema/", HTTP_ACCEPT="application/json").json()
    components = schema["components"]["schemas"]
    for url in EVERY_LIST:
        operation = schema["paths"][url]["get"]
        parameters = {p["name"]: p for p in operation["parameters"] if p["in"] == "query"}
        assert "limit" not in parameters, url
        assert parameters["page_size"]["schema"]["maximum"] == MAX_PAGE_SIZE, url
        assert parameters["page_size"]["schema"]["minimum"] == 1, url
        reference = operation["responses"]["200"]["content"]["application/json"]["schema"]
        properties = components[reference["$ref"].rsplit("/", 1)[1]]["properties"]
        if url in LISTS_WITH_COUNT:
            assert "count" in properties and "offset" in parameters, url
            assert "cursor" not in parameters, url
        else:
            assert "count" not in properties and "cursor" in parameters, url
            assert "offset" not in parameters, url
            assert "'count'" not in str(properties), url  # nor in an example
        # Every list answers with the fields its schema promises.
        body = APIClient().get(url).json()
        assert set(body) == set(properties), url
