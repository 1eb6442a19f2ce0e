"""Fixtures of the web pages' tests: a client per role of the permission policy, and entries.

The five roles come from tests/conftest.py: anonymous, contributor (`contributor_user`), maintainer
of the project (`maintainer`), maintainer of another project (`other_maintainer`), staff.
"""

import pytest
from django.test import Client

from tests import factories

ROLES = ("anonymous", "contributor", "maintainer", "other_maintainer", "staff")


@pytest.fixture
def users(contributor_user, maintainer, other_maintainer, staff):
    return {
        "anonymous": None,
        "contributor": contributor_user,
        "maintainer": maintainer,
        "other_maintainer": other_maintainer,
        "staff": staff,
    }


@pytest.fixture
def client_for(users):
    """client_for("maintainer") -> a Client signed in as that role (anonymous: signed out)."""

    def make(role: str) -> Client:
        client = Client()
        if users[role] is not None:
            client.force_login(users[role])
        return client

    return make


@pytest.fixture
def contributor_profile(contributor_user):
    return factories.ContributorFactory(user=contributor_user, display_name="Ania")


@pytest.fixture
def pending(project, contributor_profile):
    return factories.ContributionFactory(
        project=project, contributor=contributor_profile, title="Pending pairs"
    )


@pytest.fixture
def approved(project, contributor_profile):
    return factories.ContributionFactory(
        project=project, contributor=contributor_profile, status="approved", title="Approved pairs"
    )


@pytest.fixture
def ledger_teardown():
    """For transactional tests: see tests/browser/test_contribution_flow.py, same fixture. The
    SQLite ledger-version triggers make the closing flush fail while approved entries remain."""
    yield
    from contributions.models import Contribution, ProjectLedgerVersion

    Contribution.objects.filter(status="approved").update(status="withdrawn")
    ProjectLedgerVersion.objects.all().delete()
