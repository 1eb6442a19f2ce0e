"""What a signed-in person may see of the ledger, read without repeating a row and without the
DISTINCT that made the maintainers' API queue sort the whole ledger (5 s at 1M entries)."""

import pytest

from contributions import selectors
from tests import factories

pytestmark = pytest.mark.django_db


def test_an_entry_visible_by_every_route_is_listed_once_and_without_distinct():
    user = factories.UserFactory()
    project = factories.ProjectFactory()
    factories.MaintainershipFactory(project=project, user=user)
    # Approved, the user's own and in a project they maintain: three routes to one entry.
    own = factories.ContributionFactory(
        project=project,
        contributor=factories.ContributorFactory(user=user),
        status="approved",
    )
    pending_elsewhere = factories.ContributionFactory(project=project)  # maintained project
    hidden = factories.ContributionFactory()  # another project's pending entry
    approved_elsewhere = factories.ContributionFactory(status="approved")

    visible = selectors.contribution_list(user)
    assert "DISTINCT" not in str(visible.query)
    ids = list(visible.values_list("pk", flat=True))
    assert sorted(ids) == sorted([own.pk, pending_elsewhere.pk, approved_elsewhere.pk])
    assert hidden.pk not in ids
    moderated = selectors.contributions_moderated_by(user).values_list("pk", flat=True)
    assert sorted(moderated) == sorted([own.pk, pending_elsewhere.pk])
