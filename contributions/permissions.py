"""Who may see, edit and moderate contributions, and whose profile is shown: the one policy the
web, the API, the exports and the admin use.

Roles: anonymous, signed-in contributor, maintainer of the entry's project, maintainer of another
project, staff. Anything a caller may not see is answered as if it did not exist (404). The
querysets of what each caller may see are in contributions.selectors, built on the same rules.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from contributions.choices import (
    CLOSED_STATUSES,
    EDITABLE_BY_CONTRIBUTOR,
    TRANSITIONS,
    ModerationAction,
)
from projects.permissions import is_maintainer

if TYPE_CHECKING:
    from contributions.models import Contribution, Contributor

# CONTRIBUTOR VISIBILITY: a contributor's profile (their page, handles, API record, login in the
# credit-list export) is shown when they keep it public and have not deleted their account.
# Everyone else is credited by name only. `selectors` filters with these same field values.
PUBLIC_PROFILE: dict[str, Any] = {"is_public": True, "is_former": False}


def has_public_profile(contributor: Contributor) -> bool:
    return all(getattr(contributor, name) == value for name, value in PUBLIC_PROFILE.items())


def is_own_profile(user, contributor: Contributor) -> bool:
    return (
        user.is_authenticated
        and contributor.user_id is not None
        and (contributor.user_id == user.pk)
    )


def can_view_contributor(user, contributor: Contributor) -> bool:
    """Public profiles for everyone; a private one only for its owner and staff."""
    if has_public_profile(contributor):
        return True
    return user.is_authenticated and (user.is_staff or is_own_profile(user, contributor))


# CONTRIBUTIONS
def is_own(user, contribution: Contribution) -> bool:
    return is_own_profile(user, contribution.contributor)


def can_submit(user) -> bool:
    return user.is_authenticated and user.is_active


def can_edit(user, contribution: Contribution) -> bool:
    """The contributor edits while pending or asked for changes; maintainers and staff correct any
    entry of their project (a correction of an approved entry updates the statistics)."""
    if is_own(user, contribution):
        return contribution.status in EDITABLE_BY_CONTRIBUTOR
    return can_moderate_project(user, contribution) and contribution.status not in CLOSED_STATUSES


def can_withdraw(user, contribution: Contribution) -> bool:
    return (
        is_own(user, contribution)
        and contribution.status in TRANSITIONS[ModerationAction.WITHDRAW].from_statuses
    )


def can_resubmit(user, contribution: Contribution) -> bool:
    """Its contributor answers a request for changes (the edit page becomes the answer)."""
    return (
        is_own(user, contribution)
        and contribution.status in TRANSITIONS[ModerationAction.RESUBMIT].from_statuses
    )


def can_moderate_project(user, contribution: Contribution) -> bool:
    return user.is_authenticated and (user.is_staff or is_maintainer(user, contribution.project))


def can_moderate(user, contribution: Contribution) -> bool:
    """Maintainers of the entry's project and staff, never on their own entry."""
    return can_moderate_project(user, contribution) and not is_own(user, contribution)


def can_moderate_some_project(user) -> bool:
    """Staff, or a maintainer of at least one project: who may use the queue and bulk approval."""
    return user.is_authenticated and (user.is_staff or user.maintainerships.exists())
