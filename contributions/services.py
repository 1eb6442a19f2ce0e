"""Every write to the ledger. Web views, API views, the admin, importers and tasks call these.

A status changes only here, under a row lock, and every change appends a ModerationEvent. Each
change that can move a statistic enqueues the project's rollup refresh after commit.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Container, Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any
from urllib.parse import urlsplit

from allauth.account.models import EmailAddress
from allauth.socialaccount.models import SocialAccount
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from contributions import identities, permissions, selectors
from contributions.bulk import insert_like, insert_rows, update_rows
from contributions.choices import (
    DECISION_ACTIONS,
    MODERATED_STATUSES,
    TRANSITIONS,
    TYPICAL_UNITS,
    Compensation,
    ContributionSource,
    ContributionStatus,
    ContributionType,
    LifecyclePhase,
    ModerationAction,
    VerificationKind,
)
from contributions.identities import HANDLE_KINDS, IdentityKind
from contributions.models import (
    CONTENT_FIELDS,
    HAS_EXTERNAL_ID,
    Contribution,
    Contributor,
    ContributorEmail,
    ModerationEvent,
)
from contributions.signals import credit_claim_refused, credit_claimed
from core.exceptions import ServiceConflict
from core.jobs import enqueue_on_commit
from projects.choices import ListingStatus
from projects.models import Artifact, Language, Maintainership, Project

S = ContributionStatus
A = ModerationAction

MAX_EVIDENCE_LINKS = 10
MAX_EVIDENCE_URL_CHARS = 500
MAX_TITLE_CHARS = 200
MAX_DESCRIPTION_CHARS = 20_000
MAX_QUANTITY = Decimal("1000000000")
MAX_NOTE_CHARS = 2_000


class TransitionNotAllowed(ServiceConflict):
    """The entry is not in a status this action can start from (API: 409)."""


class ModerationConflict(TransitionNotAllowed):
    """Another moderator decided the entry first (API: 409)."""


def _enqueue_stats(project_id: int) -> None:
    # By name: the tasks call into this module, so it does not import them (no import cycle).
    enqueue_on_commit("contributions.tasks.refresh_project_stats", project_id)


# VALIDATION: the one place a contribution's content is checked. The web form and the API
# serializer only parse their input (text to dates, numbers, rows) and present these errors.
# ------------------------------------------------------------------------------
def _clean_evidence(urls: Iterable[str]) -> list[str]:
    cleaned = []
    for raw in urls:
        url = (raw or "").strip()
        if not url:
            continue
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ValidationError({"evidence_urls": f"{url[:80]!r} is not an http(s) link."})
        if len(url) > MAX_EVIDENCE_URL_CHARS:
            raise ValidationError(
                {
                    "evidence_urls": (
                        f"An evidence link is at most {MAX_EVIDENCE_URL_CHARS} characters."
                    )
                }
            )
        if url not in cleaned:
            cleaned.append(url)
    if len(cleaned) > MAX_EVIDENCE_LINKS:
        raise ValidationError(
            {"evidence_urls": f"Give at most {MAX_EVIDENCE_LINKS} evidence links."}
        )
    return cleaned


def artifact_project_error(*, artifact: Artifact | None, project: Project) -> str:
    """The one rule for an entry's artifact, and its message (the form shows it before saving):
    the artifact must be one of the entry's project. Empty when the artifact fits."""
    if artifact is None or artifact.project_id == project.pk:
        return ""
    return (
        f"“{artifact}” is an artifact of {artifact.project.name}, not of {project.name}: "
        f"choose one of {project.name}'s artifacts, or none."
    )


def _validate_content(*, project: Project, data: dict[str, Any]) -> dict[str, Any]:
    """Check (and normalise) the content fields in `data`; raise one ValidationError naming every
    field at fault. A quantity given without a unit counts in its type's typical unit; a type
    without one (funding) needs the unit said."""
    errors: dict[str, str] = {}
    if "type" in data and data["type"] not in ContributionType.values:
        errors["type"] = "Choose one of the contribution types."
    if "phase" in data and data["phase"] not in LifecyclePhase.values:
        errors["phase"] = "Choose a lifecycle phase."
    if "compensation" in data and data["compensation"] not in Compensation.values:
        errors["compensation"] = "Choose how the work was compensated."
    if "title" in data:
        data["title"] = (data["title"] or "").strip()
        if not data["title"]:
            errors["title"] = "Give the contribution a title."
        elif len(data["title"]) > MAX_TITLE_CHARS:
            errors["title"] = f"A title is at most {MAX_TITLE_CHARS} characters."
    if len(data.get("description") or "") > MAX_DESCRIPTION_CHARS:
        errors["description"] = f"A description is at most {MAX_DESCRIPTION_CHARS} characters."
    occurred_on = data.get("occurred_on")
    if occurred_on is not None:
        if not isinstance(occurred_on, dt.date):
            errors["occurred_on"] = "Give the date as YYYY-MM-DD."
        elif occurred_on > timezone.localdate():
            errors["occurred_on"] = "The date cannot be in the future."
    if "unit" in data:
        data["unit"] = (data["unit"] or "").strip()
    quantity = data.get("quantity")
    if quantity is not None:
        if quantity < 0:
            errors["quantity"] = (
                "A quantity cannot be negative: give a number greater than or equal to 0."
            )
        elif quantity > MAX_QUANTITY:
            errors["quantity"] = "That quantity is implausibly large."
        elif not data.get("unit"):
            data["unit"] = TYPICAL_UNITS.get(data.get("type") or "", "")
            if not data["unit"]:
                errors["unit"] = "Say what the quantity counts (e.g. items annotated, GPU-hours)."
    artifact_error = artifact_project_error(artifact=data.get("artifact"), project=project)
    if artifact_error:
        errors["artifact"] = artifact_error
    if errors:
        raise ValidationError(errors)
    if "evidence_urls" in data:
        data["evidence_urls"] = _clean_evidence(data["evidence_urls"] or [])
    return data


def _record(contribution: Contribution, *, actor, from_status: str, note: str = "") -> None:
    ModerationEvent.objects.create(
        contribution=contribution,
        actor=actor,
        from_status=from_status,
        to_status=contribution.status,
        note=note[:MAX_NOTE_CHARS],
    )


# CONTRIBUTORS
# ------------------------------------------------------------------------------
def contributor_for_user(*, user) -> Contributor:
    """The user's contributor profile, created on first use with their name."""
    try:
        return user.contributor
    except Contributor.DoesNotExist:
        pass
    contributor, _ = Contributor.objects.get_or_create(
        user=user, defaults={"display_name": user.get_full_name() or user.username}
    )
    return contributor


@transaction.atomic
def contributor_update_profile(
    *, contributor: Contributor, languages: Iterable[Language] | None = None, **fields: Any
) -> Contributor:
    """What a person says about themselves. Handles (GitHub, Hugging Face, ORCID) are not among
    them: they are copied from connected accounts (contributor_set_proven_handles), because a
    typed handle proves nothing and must never attract credit."""
    allowed = {"display_name", "affiliation", "country", "is_public"}
    unknown = set(fields) - allowed
    if unknown & set(HANDLE_KINDS):
        raise ValidationError(
            "GitHub, Hugging Face and ORCID come from the accounts you connect; they cannot be "
            "typed in."
        )
    if unknown:
        raise ValidationError(f"Not a profile field: {', '.join(sorted(unknown))}.")
    for name, value in fields.items():
        setattr(contributor, name, value)
    contributor.full_clean()
    contributor.save()
    if languages is not None:
        contributor.languages.set(languages)
    return contributor


# SUBMITTING AND EDITING
# ------------------------------------------------------------------------------
@transaction.atomic
def contribution_submit(
    *,
    user,
    project: Project,
    type: str,
    title: str,
    phase: str = LifecyclePhase.NOT_SPECIFIC,
    description: str = "",
    evidence_urls: Sequence[str] = (),
    occurred_on: dt.date | None = None,
    quantity: Decimal | None = None,
    unit: str = "",
    languages: Iterable[Language] = (),
    compensation: str = Compensation.UNDISCLOSED,
    artifact: Artifact | None = None,
    source: str = ContributionSource.WEB,
) -> Contribution:
    """A signed-in person logs a contribution; it waits as pending for a maintainer."""
    given = locals()  # the content arguments, named as in CONTENT_FIELDS
    if not permissions.can_submit(user):
        raise PermissionDenied("Sign in to log a contribution.")
    if project.listing_status != ListingStatus.LISTED:
        raise ValidationError({"project": "Contributions are logged to listed projects only."})
    data = _validate_content(project=project, data={name: given[name] for name in CONTENT_FIELDS})
    contributor = contributor_for_user(user=user)
    contribution = Contribution(
        project=project,
        contributor=contributor,
        affiliation=contributor.affiliation,
        status=S.PENDING,
        source=source,
        **data,
    )
    contribution.full_clean(exclude=["languages"])
    contribution.save()
    contribution.languages.set(languages)
    _record(contribution, actor=user, from_status="")
    return contribution


@transaction.atomic
def contribution_update(
    *,
    contribution: Contribution,
    user,
    languages: Iterable[Language] | None = None,
    **changes: Any,
) -> Contribution:
    """Edit an entry's content. Its contributor may while it is pending or asked for changes;
    the project's maintainers and staff may correct it in any status."""
    contribution = Contribution.objects.select_for_update().get(pk=contribution.pk)
    if not permissions.can_edit(user, contribution):
        raise PermissionDenied("You cannot edit this contribution now.")
    unknown = set(changes) - set(CONTENT_FIELDS)
    if unknown:
        raise ValidationError(f"Not an editable field: {', '.join(sorted(unknown))}.")
    # Validate the entry as it will be, not just the changed fields (a quantity needs its unit).
    merged = {name: getattr(contribution, name) for name in CONTENT_FIELDS}
    merged.update(changes)
    data = _validate_content(project=contribution.project, data=merged)
    for name, value in data.items():
        setattr(contribution, name, value)
    contribution.full_clean(exclude=["languages"])
    contribution.save()
    if languages is not None:
        contribution.languages.set(languages)
    if contribution.status == S.APPROVED:
        _enqueue_stats(contribution.project_id)
    return contribution


def _own_only(user, message: str) -> Callable[[Contribution], None]:
    def authorize(contribution: Contribution) -> None:
        if not permissions.is_own(user, contribution):
            raise PermissionDenied(message)

    return authorize


@transaction.atomic
def contribution_withdraw(*, contribution: Contribution, user, note: str = "") -> Contribution:
    contribution = _lock_for(
        contribution,
        action=A.WITHDRAW,
        actor=user,
        authorize=_own_only(user, "Only its contributor withdraws an entry."),
    )
    return _transition(contribution, action=A.WITHDRAW, actor=user, note=note)


@transaction.atomic
def contribution_resubmit(
    *,
    contribution: Contribution,
    user,
    note: str = "",
    languages: Iterable[Language] | None = None,
    **changes: Any,
) -> Contribution:
    """The contributor answers a request for changes: the edits are saved and the entry goes back
    to pending, with the answer as the event's note."""
    contribution = _lock_for(
        contribution,
        action=A.RESUBMIT,
        actor=user,
        authorize=_own_only(user, "Only its contributor answers a request for changes."),
    )
    if changes or languages is not None:
        contribution_update(contribution=contribution, user=user, languages=languages, **changes)
        contribution.refresh_from_db()
    contribution.moderated_by = None
    contribution.moderated_at = None
    return _transition(contribution, action=A.RESUBMIT, actor=user, note=note)


# THE MODERATION INVARIANT: nobody approves, rejects, asks for changes on or revokes an entry
# credited to themselves, and nobody's import creates approved credit for themselves. Every path
# that decides an entry (the web, bulk approval, the API, the admin, importers, claims) comes
# through the functions below; the database holds the same rule (migration
# 0008_moderator_is_not_the_contributor).
# ------------------------------------------------------------------------------
SELF_MODERATION = "Nobody moderates their own contribution."
NOT_A_MODERATOR = "Only this project's maintainers and staff moderate its entries."
# One answer for an id that does not exist and one the caller may not moderate, so that bulk
# approval tells nobody what exists, in which status, or who decided it.
NOT_FOUND_OR_NOT_YOURS = "not found, or not one you moderate"
SELF_IMPORT_NOTE = (
    "The list credits the person importing it, so this entry waits for another maintainer "
    "(or staff) to approve it."
)
REOPEN_ON_CLAIM_NOTE = (
    "Reopened: the credit was claimed by the person who had decided it; another maintainer "
    "(or staff) decides it."
)


def is_self_moderation(*, contributor: Contributor, moderator) -> bool:
    """Whether `moderator` would be deciding on their own credit."""
    return (
        moderator is not None
        and contributor.user_id is not None
        and contributor.user_id == getattr(moderator, "pk", None)
    )


def refuse_self_moderation(*, contribution: Contribution, moderator) -> None:
    if is_self_moderation(contributor=contribution.contributor, moderator=moderator):
        raise PermissionDenied(SELF_MODERATION)


def _reopen_decided_by(*, contributor: Contributor, user) -> int:
    """Before `user` becomes `contributor` (a claim): their own decisions on its entries are
    undone, each entry back to pending with an event saying why. Returns how many."""
    decided = Contribution.objects.select_for_update().filter(
        contributor=contributor, moderated_by=user, status__in=MODERATED_STATUSES
    )
    reopened = 0
    for entry in decided:
        from_status = entry.status
        entry.status = S.PENDING
        entry.moderated_by = None
        entry.moderated_at = None
        entry.save(update_fields=["status", "moderated_by", "moderated_at", "updated_at"])
        _record(entry, actor=None, from_status=from_status, note=REOPEN_ON_CLAIM_NOTE)
        if from_status == S.APPROVED:
            _enqueue_stats(entry.project_id)
        reopened += 1
    return reopened


# MODERATION
# ------------------------------------------------------------------------------
def _lock_for(
    contribution: Contribution, *, action: str, actor, authorize: Callable[[Contribution], None]
) -> Contribution:
    """Re-read the entry under a row lock, check that `actor` may take `action` on it
    (`authorize` raises PermissionDenied), then that `action` may start from its status.

    Must run inside a transaction. The permission comes first, so a caller without the right
    learns nothing about the entry's status or its moderator. Two moderators racing on one entry
    serialize here: the second sees the first one's decision and gets a ModerationConflict naming
    who decided.
    """
    # Take the lock first, then read: a read joined with the lock would return the moderator as
    # it was before the wait (and PostgreSQL cannot lock the nullable side of that outer join).
    Contribution.objects.select_for_update().filter(pk=contribution.pk).values_list(
        "pk", flat=True
    ).get()
    locked = Contribution.objects.select_related("project", "contributor", "moderated_by").get(
        pk=contribution.pk
    )
    authorize(locked)
    if locked.status not in TRANSITIONS[action].from_statuses:
        if action in DECISION_ACTIONS and locked.moderated_by is not None:
            raise ModerationConflict(
                f"Already decided by {locked.moderated_by.username}: this entry is now "
                f"{locked.get_status_display().lower()}.",
                code="conflict",
            )
        raise TransitionNotAllowed(
            f"This entry is {locked.get_status_display().lower()}; you cannot "
            f"{action.replace('_', ' ')} it from there.",
            code="transition",
        )
    return locked


def _transition(contribution: Contribution, *, action: str, actor, note: str) -> Contribution:
    """Apply `action` (already checked legal under the row lock) and record its event."""
    if len(note) > MAX_NOTE_CHARS:
        raise ValidationError({"note": f"A note is at most {MAX_NOTE_CHARS} characters."})
    to = TRANSITIONS[action].to
    moderated = TRANSITIONS[action].by_moderator
    from_status = contribution.status
    contribution.status = to
    fields = ["status", "updated_at"]
    if moderated:
        contribution.moderated_by = actor
        contribution.moderated_at = timezone.now()
    fields += ["moderated_by", "moderated_at"]
    contribution.save(update_fields=fields)
    _record(contribution, actor=actor, from_status=from_status, note=note)
    if S.APPROVED in (from_status, to):
        _enqueue_stats(contribution.project_id)
    if moderated:
        enqueue_on_commit("contributions.tasks.notify_contributor_of_decision", contribution.pk, to)
    return contribution


def _authorize_moderation(moderator) -> Callable[[Contribution], None]:
    def authorize(contribution: Contribution) -> None:
        refuse_self_moderation(contribution=contribution, moderator=moderator)
        if not permissions.can_moderate(moderator, contribution):
            raise PermissionDenied(NOT_A_MODERATOR)

    return authorize


def _moderate(contribution: Contribution, *, action: str, moderator, note: str):
    locked = _lock_for(
        contribution, action=action, actor=moderator, authorize=_authorize_moderation(moderator)
    )
    if TRANSITIONS[action].note_required and not note.strip():
        raise ValidationError({"note": "Say why, so the contributor can act on it."})
    return _transition(locked, action=action, actor=moderator, note=note)


@transaction.atomic
def contribution_approve(*, contribution: Contribution, moderator, note: str = "") -> Contribution:
    return _moderate(contribution, action=A.APPROVE, moderator=moderator, note=note)


@transaction.atomic
def contribution_reject(*, contribution: Contribution, moderator, note: str) -> Contribution:
    return _moderate(contribution, action=A.REJECT, moderator=moderator, note=note)


@transaction.atomic
def contribution_request_changes(
    *, contribution: Contribution, moderator, note: str
) -> Contribution:
    return _moderate(contribution, action=A.REQUEST_CHANGES, moderator=moderator, note=note)


@transaction.atomic
def contribution_revoke(*, contribution: Contribution, moderator, note: str) -> Contribution:
    """Take back an approval: the entry becomes rejected, with the reason as the event's note."""
    return _moderate(contribution, action=A.REVOKE, moderator=moderator, note=note)


def contribution_bulk_approve(
    *, contribution_ids: Iterable[int], moderator, note: str = ""
) -> dict[int, str]:
    """Approve a selection, each entry in its own transaction; returns an outcome per id
    ("approved" or the reason it was not), so one conflict does not undo the others.

    The permission comes first: a caller who moderates no project is refused outright, and an id
    outside what the caller moderates (`selectors.contributions_moderated_by`, within what the
    entry's page would show them) gets the same answer as one that does not exist."""
    if not permissions.can_moderate_some_project(moderator):
        raise PermissionDenied("Bulk approval is for project maintainers and staff.")
    ids = list(dict.fromkeys(contribution_ids))
    mine = {
        entry.pk: entry
        for entry in selectors.contributions_moderated_by(moderator).filter(pk__in=ids)
    }
    outcomes: dict[int, str] = {}
    for pk in ids:
        contribution = mine.get(pk)
        if contribution is None:
            outcomes[pk] = NOT_FOUND_OR_NOT_YOURS
            continue
        try:
            contribution_approve(contribution=contribution, moderator=moderator, note=note)
        except (ValidationError, PermissionDenied) as exc:
            outcomes[pk] = "; ".join(getattr(exc, "messages", [str(exc)]))
        else:
            outcomes[pk] = "approved"
    return outcomes


# ACCOUNTS
# ------------------------------------------------------------------------------
@transaction.atomic
def account_delete(*, user) -> None:
    """Delete a person's account: personal data is removed, the rows stay.

    Their contributions remain credited to a "former contributor", so each project's history and
    statistics stay true; moderation events keep pointing at the scrubbed account.
    """
    user = get_user_model().objects.select_for_update().get(pk=user.pk)
    user.username = f"former-{user.pk}"
    user.first_name = user.last_name = user.email = ""
    user.password = make_password(None)
    user.is_active = False
    user.is_staff = user.is_superuser = False
    user.is_former = True
    user.save()
    # Connected accounts and addresses are personal data, and ways in: both go.
    SocialAccount.objects.filter(user=user).delete()
    EmailAddress.objects.filter(user=user).delete()
    Maintainership.objects.filter(user=user).delete()
    try:
        contributor = Contributor.objects.select_for_update().get(user=user)
    except Contributor.DoesNotExist:
        return
    contributor.display_name = "Former contributor"
    contributor.orcid = contributor.github = contributor.huggingface = ""
    contributor.country = None
    contributor.is_public = False
    contributor.is_former = True
    contributor.save()
    contributor.languages.clear()
    contributor.emails.all().delete()
    project_ids = set(
        contributor.contributions.filter(status=S.APPROVED).values_list("project_id", flat=True)
    )
    for project_id in project_ids:
        _enqueue_stats(project_id)


def site_url(path: str) -> str:
    return settings.SITE_URL.rstrip("/") + path


# PLACEHOLDERS AND CLAIMS: credit imported for people who had no account yet
# ------------------------------------------------------------------------------
class ClaimRefused(ValidationError):
    """The key is held by another account that signs in: two such accounts are never merged."""


@dataclass(frozen=True)
class Claim:
    contributor: Contributor | None  # the claimant's record afterwards (None: nothing to do)
    credits: int  # entries that became theirs
    placeholder_id: int | None  # the placeholder claimed, if one waited under the key


def _claim_refused(*, user, kind: str, key: str, holder: Contributor) -> ClaimRefused:
    credit_claim_refused.send(
        sender=Contributor, user=user, kind=kind, key=key, holder_user_id=holder.user_id
    )
    return ClaimRefused(
        f"The {IdentityKind(kind).label} {key} is already on another account's profile, with "
        "the credit imported under it. Two accounts that both sign in are never merged: if both "
        "are yours, sign in to that one, or ask staff.",
        code="claim_refused",
    )


@transaction.atomic
def contributor_claim_placeholder(*, user, kind: str, value: str) -> Claim:
    """`user` proved the key (kind, value): a connected account of that provider, or a verified
    e-mail address (see contributions.identities). The placeholder waiting under that key, with
    all its credit, becomes theirs.

    Call it only with a key the user proved: a handle typed into a form proves nothing.
    Without a record of their own the placeholder becomes it; otherwise its credits move to their
    record and the placeholder is deleted, and the projects concerned get their statistics
    refreshed (distinct contributor counts change). A placeholder's e-mail key is deleted once
    claimed. Raises ClaimRefused when another account holds the key: accounts that both sign in
    are never merged. Handles are not written here: see contributor_set_proven_handles."""
    key = identities.normalize(kind, value)
    if not key or not user.is_authenticated or not user.is_active:
        return Claim(contributor=None, credits=0, placeholder_id=None)
    found = identities.holders(kind, [key])
    for holder in found:
        other = holder.contributor
        if other.user_id is not None and other.user_id != user.pk and not other.is_former:
            raise _claim_refused(user=user, kind=kind, key=key, holder=other)
    waiting = [h.contributor.pk for h in found if h.contributor.is_placeholder]
    own = Contributor.objects.select_for_update().filter(user=user).first()
    placeholder = (
        Contributor.objects.select_for_update()
        .filter(pk__in=waiting, user__isnull=True, is_former=False)
        .order_by("pk")
        .first()
    )
    if placeholder is None:
        return Claim(contributor=own, credits=0, placeholder_id=None)
    # The moderation invariant: what the claimant decided on this credit is decided again by
    # someone else (the database refuses the claim otherwise).
    _reopen_decided_by(contributor=placeholder, user=user)
    placeholder_id = placeholder.pk
    credits = Contribution.objects.filter(contributor=placeholder)
    count = credits.count()
    merged = own is not None
    if own is None:
        placeholder.user = user
        placeholder.save(update_fields=["user"])
        own = placeholder
    else:
        project_ids = set(
            credits.filter(status=S.APPROVED).values_list("project_id", flat=True).distinct()
        )
        credits.update(contributor=own, updated_at=timezone.now())
        # Its handles go with it: the claimant's record shows only handles they proved
        # (contributor_set_proven_handles, called next by accounts.identity).
        placeholder.delete()
        for project_id in project_ids:
            _enqueue_stats(project_id)
    ContributorEmail.objects.filter(contributor=own).delete()
    claim = Claim(contributor=own, credits=count, placeholder_id=placeholder_id)

    def announce() -> None:
        credit_claimed.send(
            sender=Contributor,
            user=user,
            contributor=own,
            kind=kind,
            key=key,
            credits=count,
            placeholder_id=placeholder_id,
            merged=merged,
        )

    transaction.on_commit(announce, robust=True)
    return claim


@transaction.atomic
def contributor_set_proven_handles(*, user, handles: Mapping[str, str]) -> Contributor:
    """Show exactly these handles (kind -> handle, "" to clear) on `user`'s record. Only
    accounts.identity calls this, with handles read from the accounts the user connected; a
    handle another account's record shows is left off (ClaimRefused was raised for it)."""
    contributor = Contributor.objects.select_for_update().filter(user=user).first()
    if contributor is None:
        contributor = contributor_for_user(user=user)
    changed = []
    for kind, handle in handles.items():
        if kind not in HANDLE_KINDS:
            raise ValidationError(f"Not a handle: {kind}.")
        handle = (handle or "").strip()
        if handle and any(
            h.contributor.pk != contributor.pk and not h.contributor.is_former
            for h in identities.holders(kind, [handle])
        ):
            continue
        if getattr(contributor, kind) != handle:
            setattr(contributor, kind, handle)
            changed.append(kind)
    if changed:
        contributor.full_clean(exclude=["user", "affiliation", "country", "languages"])
        contributor.save(update_fields=changed)
    return contributor


@transaction.atomic
def contributor_placeholder_for_email(*, email: str, display_name: str) -> Contributor:
    """The record that credit imported under an e-mail address goes to (a commit's author, say):
    the account that verified the address, else the placeholder waiting under it, else a new
    placeholder keyed by it, which the person claims by verifying the address."""
    key = identities.normalize(IdentityKind.EMAIL, email)
    if not key:
        raise ValidationError({"email": "Give the address the credit was imported under."})
    holder = identities.credit_holders(IdentityKind.EMAIL, [key]).get(key)
    if holder is not None:
        return holder
    placeholder = Contributor(user=None, display_name=(display_name or "").strip()[:150] or key)
    placeholder.full_clean(exclude=["user", "affiliation", "country", "languages"])
    placeholder.save()
    row = ContributorEmail(contributor=placeholder, email=key)
    row.full_clean(exclude=["contributor"])
    row.save()
    return placeholder


# IMPORTS: credit lists record work the project already credits.
# ------------------------------------------------------------------------------
@transaction.atomic
def contribution_record_import_batch(
    *, project: Project, importer, credits: Sequence[dict[str, Any]]
) -> tuple[list[Contribution], int]:
    """Record a credit list's contributions, approved by the maintainer who imports it (the list is
    the project's own credit), each with its moderation event. Idempotent on (project, external
    id). Written in bulk with ONE statistics refresh enqueued for the batch instead of one per
    entry (a 1,700-credit list would otherwise queue 1,700 identical full recomputes).

    The moderation invariant holds here too: a credit to the importer's own contributor record
    is created PENDING, for another maintainer (or staff) to approve, never approved by its own
    subject.

    Each credit is a dict with contributor, type, title, external_id, note and optionally
    occurred_on and evidence_urls. Returns (the entries created, how many were already there)."""
    ids = [credit["external_id"] for credit in credits]
    existing: set[str] = set()
    for start in range(0, len(ids), 500):
        existing.update(
            Contribution.objects.filter(
                HAS_EXTERNAL_ID,
                project=project,
                source=ContributionSource.IMPORT,
                external_id__in=ids[start : start + 500],
            ).values_list("external_id", flat=True)
        )
    now = timezone.now()
    entries: list[Contribution] = []
    notes: list[str] = []
    skipped = 0
    for credit in credits:
        if credit["external_id"] in existing:
            skipped += 1
            continue
        existing.add(credit["external_id"])
        data = _validate_content(
            project=project,
            data={
                "type": credit["type"],
                "title": credit["title"],
                "evidence_urls": list(credit.get("evidence_urls") or ()),
            },
        )
        contributor = credit["contributor"]
        own = is_self_moderation(contributor=contributor, moderator=importer)
        entry = Contribution(
            project=project,
            contributor=contributor,
            affiliation=contributor.affiliation,
            occurred_on=credit.get("occurred_on"),
            source=ContributionSource.IMPORT,
            external_id=credit["external_id"],
            status=S.PENDING if own else S.APPROVED,
            moderated_by=None if own else importer,
            moderated_at=None if own else now,
            **data,
        )
        # The related rows are in hand; checking each foreign key would cost a query per field.
        entry.full_clean(
            exclude=["project", "contributor", "affiliation", "moderated_by", "artifact"],
            validate_unique=False,
            validate_constraints=False,
        )
        entries.append(entry)
        note = credit.get("note", "")
        notes.append(f"{note} {SELF_IMPORT_NOTE}".strip() if own else note)
    insert_rows(Contribution, entries, with_ids=True)  # the events name them
    insert_rows(
        ModerationEvent,
        [
            ModerationEvent(
                contribution=entry,
                actor=importer,
                from_status="",
                to_status=entry.status,
                note=note[:MAX_NOTE_CHARS],
            )
            for entry, note in zip(entries, notes, strict=True)
        ],
    )
    if any(entry.status == S.APPROVED for entry in entries):
        _enqueue_stats(project.pk)
    return entries, skipped


# REPOSITORY HISTORY: cells of work read from a repository (the `repositories` app computes them)
# ------------------------------------------------------------------------------
@dataclass(frozen=True)
class RepositoryCell:
    """One person x repository x month x type, as recomputed from the commits behind it.

    `commits == 0` means no commit is behind it any more (a force-push took them away)."""

    external_id: str
    contributor_id: int | None  # needed only to create the cell
    type: str
    title: str
    commits: int
    lines_added: int
    lines_removed: int
    occurred_on: dt.date
    evidence_url: str = ""


@dataclass
class RepositoryCellOutcome:
    created: int = 0
    updated: int = 0
    withdrawn: int = 0


WITHDRAWN_NOTE = (
    "No commit behind this entry is left in the repository's history (rewritten by a force-push)."
)
_CELL_FIELDS = ["quantity", "lines_added", "lines_removed", "occurred_on", "evidence_urls"]
# Ids per query: well under SQLite's limit of bound parameters, few round trips on PostgreSQL.
CELL_CHUNK = 2000


@transaction.atomic
def contribution_record_repository_cells(
    *,
    project: Project,
    cells: Sequence[RepositoryCell],
    note: str = "",
    importer_ids: Iterable[int] = (),
    known_new: Container[str] = frozenset(),
) -> RepositoryCellOutcome:
    """Write recomputed cells in place: new ones inserted in bulk (COPY on PostgreSQL), changed
    ones updated, unchanged ones left alone (so a re-sync writes nothing), emptied ones withdrawn.

    A cell is approved on the strength of the repository history (verification kind
    `repository_history`, no moderator) with an event by the system. A cell a maintainer hid
    keeps its status: only its numbers follow the history. Rows are locked first, so a hide
    decided meanwhile is never overwritten.

    The moderation invariant: a new cell crediting one of `importer_ids` (who added the source,
    who asked for the sync) is not approved by the history they chose to import; it waits as
    pending for another maintainer (or staff), as a credit list naming its importer does.

    `known_new` names cells the caller knows are not in the ledger yet (a source's first import
    writes tens of thousands): they are not looked up. Were one there, the unique index on
    external ids would refuse the write."""
    outcome = RepositoryCellOutcome()
    if not cells:
        return outcome
    ids = [
        external_id
        for external_id in dict.fromkeys(cell.external_id for cell in cells)
        if external_id not in known_new
    ]
    repository_rows = Contribution.objects.filter(
        HAS_EXTERNAL_ID, project=project, source=ContributionSource.REPOSITORY
    )

    def chunked(queryset) -> Iterable:
        for start in range(0, len(ids), CELL_CHUNK):
            yield queryset.filter(external_id__in=ids[start : start + CELL_CHUNK])

    existing: dict[str, Contribution] = {}
    for queryset in chunked(
        repository_rows.select_for_update().only(
            "id", "status", "is_hidden", "external_id", "moderated_at", *_CELL_FIELDS
        )
    ):
        for row in queryset:
            existing[row.external_id] = row
    now = timezone.now()
    wanted = list({c.contributor_id for c in cells if c.external_id not in existing} - {None})
    people: dict[int, tuple[int | None, int | None]] = {}
    for start in range(0, len(wanted), CELL_CHUNK):
        people.update(
            (pk, (affiliation_id, user_id))
            for pk, affiliation_id, user_id in Contributor.objects.filter(
                pk__in=wanted[start : start + CELL_CHUNK]
            ).values_list("pk", "affiliation_id", "user_id")
        )
    importers = set(importer_ids) - {None}
    # New cells are many on a first import: rows, not model instances (contributions.bulk).
    new_rows: list[tuple] = []
    changed: list[Contribution] = []
    transitions: list[tuple[Contribution, str, str]] = []
    for cell in cells:
        evidence = [cell.evidence_url] if cell.evidence_url else []
        row = existing.get(cell.external_id)
        if row is None:
            if cell.commits == 0 or cell.contributor_id is None:
                continue
            affiliation_id, user_id = people.get(cell.contributor_id, (None, None))
            own = user_id is not None and user_id in importers
            new_rows.append(
                (
                    cell.contributor_id,
                    affiliation_id,
                    cell.type,
                    cell.title[:200],
                    S.PENDING if own else S.APPROVED,
                    VerificationKind.MODERATION if own else VerificationKind.REPOSITORY_HISTORY,
                    None if own else now,
                    cell.external_id,
                    Decimal(cell.commits),
                    cell.lines_added,
                    cell.lines_removed,
                    cell.occurred_on,
                    evidence,
                )
            )
            continue
        values = {
            "quantity": Decimal(cell.commits),
            "lines_added": cell.lines_added,
            "lines_removed": cell.lines_removed,
            "occurred_on": cell.occurred_on,
            "evidence_urls": evidence,
        }
        status_changed = False
        if cell.commits == 0:
            # Nothing left behind it: withdrawn (when credited), its last numbers kept.
            values = {"quantity": row.quantity}
            if row.status == S.APPROVED:
                row.status = S.WITHDRAWN
                status_changed = True
                transitions.append((row, S.APPROVED, WITHDRAWN_NOTE))
        elif row.status == S.WITHDRAWN and not row.is_hidden:
            row.status = S.APPROVED
            row.moderated_at = now
            status_changed = True
            transitions.append((row, S.WITHDRAWN, "Commits behind this entry are back."))
        dirty = any(getattr(row, name) != value for name, value in values.items())
        if dirty or status_changed:
            for name, value in values.items():
                setattr(row, name, value)
            row.updated_at = now
            changed.append(row)
    created_ids = insert_like(
        Contribution(
            project=project,
            title="-",
            unit="commits",
            source=ContributionSource.REPOSITORY,
            created_at=now,
            updated_at=now,
        ),
        [
            "contributor_id",
            "affiliation_id",
            "type",
            "title",
            "status",
            "verification",
            "moderated_at",
            "external_id",
            *_CELL_FIELDS,
        ],
        new_rows,
        with_ids=True,
    )
    update_rows(Contribution, changed, [*_CELL_FIELDS, "status", "moderated_at", "updated_at"])
    if new_rows:
        approved_note = note[:MAX_NOTE_CHARS]
        pending_note = f"{note} {SELF_IMPORT_NOTE}".strip()[:MAX_NOTE_CHARS]
        insert_like(
            ModerationEvent(actor=None, from_status="", at=now),
            ["contribution_id", "to_status", "note"],
            [
                (pk, row[4], approved_note if row[4] == S.APPROVED else pending_note)
                for pk, row in zip(created_ids, new_rows, strict=True)
            ],
        )
    insert_rows(
        ModerationEvent,
        [
            ModerationEvent(
                contribution_id=row.pk,
                actor=None,
                from_status=from_status,
                to_status=row.status,
                note=why,
                at=now,
            )
            for row, from_status, why in transitions
        ],
    )
    outcome.created = len(new_rows)
    outcome.withdrawn = sum(1 for row, _from, _why in transitions if row.status == S.WITHDRAWN)
    outcome.updated = len(changed) - outcome.withdrawn
    if new_rows or changed:
        _enqueue_stats(project.pk)
    return outcome


@transaction.atomic
def contribution_withdraw_repository_cells(
    *, project: Project, external_ids: Iterable[str], note: str
) -> int:
    """Withdraw the approved cells of a repository source that was removed, with an event each."""
    ids = list(external_ids)
    rows: list[Contribution] = []
    for start in range(0, len(ids), 500):
        rows += list(
            Contribution.objects.select_for_update().filter(
                HAS_EXTERNAL_ID,
                project=project,
                source=ContributionSource.REPOSITORY,
                status=S.APPROVED,
                external_id__in=ids[start : start + 500],
            )
        )
    if not rows:
        return 0
    now = timezone.now()
    Contribution.objects.filter(pk__in=[row.pk for row in rows]).update(
        status=S.WITHDRAWN, updated_at=now
    )
    insert_rows(
        ModerationEvent,
        [
            ModerationEvent(
                contribution_id=row.pk,
                actor=None,
                from_status=S.APPROVED,
                to_status=S.WITHDRAWN,
                note=note[:MAX_NOTE_CHARS],
                at=now,
            )
            for row in rows
        ],
    )
    _enqueue_stats(project.pk)
    return len(rows)


@transaction.atomic
def contribution_hide(*, contribution: Contribution, user, reason: str) -> Contribution:
    """A maintainer hides a repository-derived entry that credits the wrong person: it leaves
    every count (its status becomes rejected, decided by them), keeps following the history, and
    the reason is recorded on the entry and in its event."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "Say why this entry is wrongly attributed."})
    locked = Contribution.objects.select_for_update().get(pk=contribution.pk)
    if locked.source != ContributionSource.REPOSITORY:
        raise ValidationError("Only entries read from a repository are hidden; moderate others.")
    if not permissions.can_moderate_project(user, locked):
        raise PermissionDenied("Only this project's maintainers and staff hide its entries.")
    # Hiding rejects the entry: never by the person it credits.
    refuse_self_moderation(contribution=locked, moderator=user)
    if locked.is_hidden or locked.status != S.APPROVED:
        raise TransitionNotAllowed("Only a credited (approved) entry can be hidden.")
    locked.is_hidden = True
    locked.hidden_reason = reason[:MAX_NOTE_CHARS]
    locked.status = S.REJECTED
    locked.moderated_by = user
    locked.moderated_at = timezone.now()
    locked.save(
        update_fields=[
            "is_hidden",
            "hidden_reason",
            "status",
            "moderated_by",
            "moderated_at",
            "updated_at",
        ]
    )
    _record(locked, actor=user, from_status=S.APPROVED, note=f"Hidden: {reason}")
    _enqueue_stats(locked.project_id)
    return locked


@transaction.atomic
def contribution_unhide(*, contribution: Contribution, user, note: str = "") -> Contribution:
    """Undo a hide: the entry rests on the repository history again."""
    locked = Contribution.objects.select_for_update().get(pk=contribution.pk)
    if not permissions.can_moderate_project(user, locked):
        raise PermissionDenied("Only this project's maintainers and staff show its entries.")
    # Showing it again credits it again: never by the person it credits.
    refuse_self_moderation(contribution=locked, moderator=user)
    if not locked.is_hidden:
        raise TransitionNotAllowed("This entry is not hidden.")
    locked.is_hidden = False
    locked.hidden_reason = ""
    locked.status = S.APPROVED if locked.quantity else S.WITHDRAWN
    # Back on the history's strength; a cell that a maintainer had to approve (it credits whoever
    # imported it) is approved again by the one showing it.
    by_history = locked.verification == VerificationKind.REPOSITORY_HISTORY
    locked.moderated_by = None if by_history else user
    locked.moderated_at = timezone.now()
    locked.save(
        update_fields=[
            "is_hidden",
            "hidden_reason",
            "status",
            "moderated_by",
            "moderated_at",
            "updated_at",
        ]
    )
    _record(locked, actor=user, from_status=S.REJECTED, note=note or "Shown again.")
    _enqueue_stats(locked.project_id)
    return locked
