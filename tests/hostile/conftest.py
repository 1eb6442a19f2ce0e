"""The hostile-input corpus: fixtures shared by its cases.

Every case asserts two things: the input is refused with a 4xx (or, for imports, a failed report)
and a message a person can act on; and the database is unchanged, counted row by row over every
model, including many-to-many tables. Input that is legitimately accepted (hostile Markdown,
which is stored and neutralised when shown) is asserted separately and said so.
"""

from __future__ import annotations

import pytest
from django.apps import apps
from django.core.cache import cache
from rest_framework.test import APIClient

from accounts.tokens import token_create
from tests import factories


def row_counts() -> dict[str, int]:
    """Rows of every table the platform owns (proxies share their concrete model's table)."""
    return {
        model._meta.label: model._default_manager.count()
        for model in apps.get_models(include_auto_created=True)
        if model._meta.managed and not model._meta.proxy
    }


@pytest.fixture(autouse=True)
def fresh_throttles():
    # The corpus sends many writes as one user: the write throttle must not answer 429 instead
    # of the refusal under test.
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def world(project, maintainer, contributor_user, other_maintainer):
    """A listed project with an artifact and a language, its maintainer, a contributor with a
    pending and an approved entry, and a maintainer of another project."""
    factories.LanguageFactory(code="pol", name="Polish")
    factories.LanguageFactory(code="eng", name="English", resource_level="high")
    artifact = factories.ArtifactFactory(project=project, slug="bielik-11b", name="Bielik 11B")
    foreign_artifact = factories.ArtifactFactory(slug="other-model")
    contributor = factories.ContributorFactory(user=contributor_user, display_name="Contributor")
    pending = factories.ContributionFactory(project=project, contributor=contributor)
    approved = factories.ContributionFactory(
        project=project, contributor=contributor, status="approved", moderated_by=maintainer
    )
    own = factories.ContributionFactory(
        project=project,
        contributor=factories.ContributorFactory(user=maintainer, display_name="Maintainer"),
    )
    return {
        "project": project,
        "artifact": artifact,
        "foreign_artifact": foreign_artifact,
        "maintainer": maintainer,
        "contributor_user": contributor_user,
        "other_maintainer": other_maintainer,
        "pending": pending,
        "approved": approved,
        "own": own,
    }


def token_client(user) -> APIClient:
    client = APIClient()
    _, token = token_create(user=user, name="hostile corpus")
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    return client


@pytest.fixture
def contributor_api(world) -> APIClient:
    return token_client(world["contributor_user"])


@pytest.fixture
def maintainer_api(world) -> APIClient:
    return token_client(world["maintainer"])
