"""Who may see, edit and moderate contributions: the one policy the web, the API and the admin use.

Roles: anonymous, signed-in contributor, maintainer of the entry's project, maintainer of another
project, staff. Anything a caller may not see is answered as if it did not exist (404).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from contributions.choices import ContributionStatus
from projects.permissions import is_maintainer

if TYPE_CHECKING:
    from contributions.models import Contribution

EDITABLE_BY_CONTRIBUTOR = (ContributionStatus.PENDING, ContributionStatus.CHANGES_REQUESTED)


def is_own(user, contribution: Contribution) -> bool:
    if not user.is_authenticated:
        return False
    contributor = contribution.contributor
    return contributor.user_id is not None and contributor.user_id == user.pk


def can_view_contribution(user, contribution: Contribution) -> bool:
    """Approved entries are public; any other status only to its contributor, the project's
    maintainers and staff."""
    if contribution.status == ContributionStatus.APPROVED:
        return True
    if not user.is_authenticated:
        return False
    return user.is_staff or is_own(user, contribution) or is_maintainer(user, contribution.project)


def can_submit(user) -> bool:
    return user.is_authenticated and user.is_active


def can_edit(user, contribution: Contribution) -> bool:
    """The contributor edits while pending or asked for changes; maintainers and staff correct any
    entry of their project (a correction of an approved entry updates the statistics)."""
    if is_own(user, contribution):
        return contribution.status in EDITABLE_BY_CONTRIBUTOR
    return can_moderate_project(user, contribution) and contribution.status != "withdrawn"


def can_withdraw(user, contribution: Contribution) -> bool:
    return is_own(user, contribution) and contribution.status in EDITABLE_BY_CONTRIBUTOR


def can_moderate_project(user, contribution: Contribution) -> bool:
    return user.is_authenticated and (user.is_staff or is_maintainer(user, contribution.project))


def can_moderate(user, contribution: Contribution) -> bool:
    """Maintainers of the entry's project and staff, never on their own entry."""
    return can_moderate_project(user, contribution) and not is_own(user, contribution)
