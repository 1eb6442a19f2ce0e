"""The ledger's vocabulary (docs/domain.md, "Contribution types"). Codes are stable keys."""

from dataclasses import dataclass

from django.db import models


class ContributionDomain(models.TextChoices):
    SOFTWARE = "software", "Software"
    DATA = "data", "Data"
    EVALUATION = "evaluation", "Evaluation"
    MODELS = "models", "Models"
    COMPUTE = "compute", "Compute"
    COMMUNITY = "community", "Community"


class ContributionType(models.TextChoices):
    CODE = "code", "Code"
    CODE_REVIEW = "code_review", "Code review"
    TESTING = "testing", "Testing"
    TOOLING = "tooling", "Tooling and plugins"
    INFRASTRUCTURE = "infrastructure", "Infrastructure and packaging"
    SECURITY = "security", "Security"
    DATA_CURATION = "data_curation", "Data curation"
    DATA_ANNOTATION = "data_annotation", "Data annotation"
    TRANSLATION = "translation", "Translation and localization"
    EVALUATION = "evaluation", "Evaluation"
    RED_TEAMING = "red_teaming", "Red teaming and safety testing"
    EVALUATION_FEEDBACK = "evaluation_feedback", "Evaluation feedback and bug reports"
    TRAINING = "training", "Training and fine-tuning"
    COMPUTE_DONATION = "compute_donation", "Compute donation"
    FUNDING = "funding", "Funding"
    DOCUMENTATION = "documentation", "Documentation"
    COMMUNITY_SUPPORT = "community_support", "Community support and mentoring"
    EVENTS_OUTREACH = "events_outreach", "Events and outreach"
    RESEARCH = "research", "Research"
    DESIGN_ACCESSIBILITY = "design_accessibility", "Design and accessibility"
    GOVERNANCE = "governance", "Governance and project management"


T = ContributionType
D = ContributionDomain

TYPE_DOMAIN: dict[str, str] = {
    T.CODE: D.SOFTWARE,
    T.CODE_REVIEW: D.SOFTWARE,
    T.TESTING: D.SOFTWARE,
    T.TOOLING: D.SOFTWARE,
    T.INFRASTRUCTURE: D.SOFTWARE,
    T.SECURITY: D.SOFTWARE,
    T.DATA_CURATION: D.DATA,
    T.DATA_ANNOTATION: D.DATA,
    T.TRANSLATION: D.DATA,
    T.EVALUATION: D.EVALUATION,
    T.RED_TEAMING: D.EVALUATION,
    T.EVALUATION_FEEDBACK: D.EVALUATION,
    T.TRAINING: D.MODELS,
    T.COMPUTE_DONATION: D.COMPUTE,
    T.FUNDING: D.COMPUTE,
    T.DOCUMENTATION: D.COMMUNITY,
    T.COMMUNITY_SUPPORT: D.COMMUNITY,
    T.EVENTS_OUTREACH: D.COMMUNITY,
    T.RESEARCH: D.COMMUNITY,
    T.DESIGN_ACCESSIBILITY: D.COMMUNITY,
    T.GOVERNANCE: D.COMMUNITY,
}

# "Code" for the non-code share; everything else is the non-code work the platform makes visible.
CODE_TYPES: frozenset[str] = frozenset(
    {T.CODE, T.CODE_REVIEW, T.TESTING, T.TOOLING, T.INFRASTRUCTURE}
)

# All Contributors emoji keys per type, in docs/domain.md's order; the first one is exported.
ALL_CONTRIBUTORS_KEYS: dict[str, tuple[str, ...]] = {
    T.CODE: ("code",),
    T.CODE_REVIEW: ("review",),
    T.TESTING: ("test",),
    T.TOOLING: ("tool", "plugin"),
    T.INFRASTRUCTURE: ("infra", "platform", "maintenance"),
    T.SECURITY: ("security",),
    T.DATA_CURATION: ("data",),
    T.DATA_ANNOTATION: (),
    T.TRANSLATION: ("translation",),
    T.EVALUATION: (),
    T.RED_TEAMING: (),
    T.EVALUATION_FEEDBACK: ("bug", "userTesting"),
    T.TRAINING: (),
    T.COMPUTE_DONATION: (),
    T.FUNDING: ("financial", "fundingFinding"),
    T.DOCUMENTATION: ("doc", "tutorial", "example", "content"),
    T.COMMUNITY_SUPPORT: ("question", "mentoring"),
    T.EVENTS_OUTREACH: ("eventOrganizing", "talk", "blog", "promotion", "video", "audio"),
    T.RESEARCH: ("research",),
    T.DESIGN_ACCESSIBILITY: ("design", "a11y"),
    T.GOVERNANCE: ("projectManagement", "business", "ideas"),
}
# docs/domain.md lists some keys under two types (data, security, infra); on import each key maps to
# the first type above that lists it: "data" to curation, "security" to software security, "infra"
# to infrastructure. Data annotation, red teaming and compute donation have no key of their own.
ALL_CONTRIBUTORS_KEY_TO_TYPE: dict[str, str] = {}
for _type, _keys in ALL_CONTRIBUTORS_KEYS.items():
    for _key in _keys:
        ALL_CONTRIBUTORS_KEY_TO_TYPE.setdefault(_key, _type)

TYPICAL_UNITS: dict[str, str] = {
    T.CODE: "pull requests",
    T.CODE_REVIEW: "reviews",
    T.TESTING: "tests",
    T.TOOLING: "releases",
    T.INFRASTRUCTURE: "hours",
    T.SECURITY: "reports",
    T.DATA_CURATION: "documents",
    T.DATA_ANNOTATION: "items annotated",
    T.TRANSLATION: "words",
    T.EVALUATION: "benchmark runs",
    T.RED_TEAMING: "findings",
    T.EVALUATION_FEEDBACK: "reports",
    T.TRAINING: "runs",
    T.COMPUTE_DONATION: "GPU-hours",
    T.FUNDING: "",
    T.DOCUMENTATION: "pages",
    T.COMMUNITY_SUPPORT: "hours",
    T.EVENTS_OUTREACH: "events",
    T.RESEARCH: "papers",
    T.DESIGN_ACCESSIBILITY: "assets",
    T.GOVERNANCE: "hours",
}


def types_in_domain(domain: str) -> list[str]:
    return [t for t, d in TYPE_DOMAIN.items() if d == domain]


class LifecyclePhase(models.TextChoices):
    PRE_TRAINING = "pre_training", "Pre-training"
    POST_TRAINING = "post_training", "Post-training"
    POST_RELEASE = "post_release", "Post-release"
    NOT_SPECIFIC = "not_specific", "Not phase-specific"


class Compensation(models.TextChoices):
    VOLUNTEER = "volunteer", "Volunteer"
    PAID = "paid", "Paid (employment)"
    STIPEND = "stipend", "Stipend or bounty"
    UNDISCLOSED = "undisclosed", "Undisclosed"


class ContributionStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    APPROVED = "approved", "Approved"
    REJECTED = "rejected", "Rejected"
    CHANGES_REQUESTED = "changes_requested", "Changes requested"
    WITHDRAWN = "withdrawn", "Withdrawn"


class ModerationAction(models.TextChoices):
    """Every status change after logging, named by what its actor does (labels are the buttons)."""

    APPROVE = "approve", "Approve"
    REJECT = "reject", "Reject"
    REQUEST_CHANGES = "request_changes", "Request changes"
    REVOKE = "revoke", "Revoke the approval"
    WITHDRAW = "withdraw", "Withdraw"
    RESUBMIT = "resubmit", "Resubmit"


@dataclass(frozen=True)
class Transition:
    """One legal status change: the statuses it starts from, the status it ends in, who makes it
    (a moderator, or the entry's contributor), whether it needs a note, the past-tense phrase
    people read ("The entry is ...", the decision mail) and the stable outcome name of the audit
    log."""

    action: str
    from_statuses: tuple[str, ...]
    to: str
    by_moderator: bool
    note_required: bool
    done: str
    outcome: str


_S = ContributionStatus
_A = ModerationAction

# THE STATUS MACHINE: the only status changes after logging. Services, permissions, forms, views,
# templates, mails and the audit log all read this table.
TRANSITIONS: dict[str, Transition] = {
    t.action: t
    for t in (
        Transition(_A.APPROVE, (_S.PENDING,), _S.APPROVED, True, False, "approved", "approved"),
        Transition(_A.REJECT, (_S.PENDING,), _S.REJECTED, True, True, "rejected", "rejected"),
        Transition(
            _A.REQUEST_CHANGES,
            (_S.PENDING,),
            _S.CHANGES_REQUESTED,
            True,
            True,
            "sent back with a request for changes",
            "changes_requested",
        ),
        Transition(
            _A.REVOKE,
            (_S.APPROVED,),
            _S.REJECTED,
            True,
            True,
            "no longer approved (revoked)",
            "revoked",
        ),
        Transition(
            _A.WITHDRAW,
            (_S.PENDING, _S.CHANGES_REQUESTED),
            _S.WITHDRAWN,
            False,
            False,
            "withdrawn",
            "withdrawn",
        ),
        Transition(
            _A.RESUBMIT,
            (_S.CHANGES_REQUESTED,),
            _S.PENDING,
            False,
            False,
            "back with the maintainers",
            "resubmitted",
        ),
    )
}

# The actions a project's maintainers (and staff) take; the others are the contributor's own.
MODERATION_ACTIONS: tuple[str, ...] = tuple(a for a, t in TRANSITIONS.items() if t.by_moderator)
# Actions that decide a pending entry: a second moderator racing the first meets a conflict.
DECISION_ACTIONS: tuple[str, ...] = tuple(
    a for a in MODERATION_ACTIONS if TRANSITIONS[a].from_statuses == (_S.PENDING,)
)
# Statuses that only a moderator's decision can produce: each needs its moderator and time.
MODERATED_STATUSES: tuple[str, ...] = tuple(
    dict.fromkeys(TRANSITIONS[a].to for a in MODERATION_ACTIONS)
)
# The contributor edits (and withdraws) an entry while it waits: pending or asked for changes.
EDITABLE_BY_CONTRIBUTOR: tuple[str, ...] = TRANSITIONS[_A.WITHDRAW].from_statuses
# Final for everyone: nobody edits or moderates a withdrawn entry.
CLOSED_STATUSES: tuple[str, ...] = (_S.WITHDRAWN,)
# How an entry comes into the ledger (from no status): the audit log's outcome names.
CREATION_OUTCOMES: dict[str, str] = {_S.PENDING: "submitted", _S.APPROVED: "imported_approved"}


def moderation_actions_from(status: str) -> list[str]:
    """The moderator's actions that may start from `status`, in the table's order."""
    return [a for a in MODERATION_ACTIONS if status in TRANSITIONS[a].from_statuses]


def transition_between(from_status: str, to_status: str) -> Transition | None:
    """The action that moves an entry from one status to the other (the first in the table)."""
    for transition in TRANSITIONS.values():
        if from_status in transition.from_statuses and transition.to == to_status:
            return transition
    return None


class ContributionSource(models.TextChoices):
    WEB = "web", "Web form"
    API = "api", "API"
    IMPORT = "import", "Import"
    SYNTHETIC = "synthetic", "Synthetic demo data"
    REPOSITORY = "repository", "Repository history"


class VerificationKind(models.TextChoices):
    """What an approved entry rests on. Logged and imported work is approved by a person (a
    maintainer's decision, with its moderator recorded); work read from a repository's history
    rests on that history (the evidence link), so it carries no moderator at all rather than a
    made-up one."""

    MODERATION = "moderation", "A maintainer's decision"
    REPOSITORY_HISTORY = "repository_history", "The repository's history"
