"""Pagination: cursors on contributions (stable under inserts, in any offered order), limit/offset
with a ceiling elsewhere."""

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
    first = client.get("/api/v1/contributions/?limit=3").json()
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
    served = walk(APIClient(), f"/api/v1/contributions/?ordering={ordering}&limit=2")

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


def test_limit_offset_lists_have_a_ceiling(db):
    Language.objects.bulk_create(
        Language(code=f"{n:03d}", name=f"Language {n:03d}") for n in range(MAX_PAGE_SIZE + 5)
    )
    body = APIClient().get("/api/v1/languages/?limit=100000").json()
    assert body["count"] == MAX_PAGE_SIZE + 5
    assert len(body["results"]) == MAX_PAGE_SIZE
    assert body["next"] is not None
