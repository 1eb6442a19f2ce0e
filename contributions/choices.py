"""The ledger's vocabulary (docs/domain.md, "Contribution types"). Codes are stable keys."""

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


# Statuses that only a moderator's decision can produce: each needs its moderator and time.
MODERATED_STATUSES = (
    ContributionStatus.APPROVED,
    ContributionStatus.REJECTED,
    ContributionStatus.CHANGES_REQUESTED,
)


class ContributionSource(models.TextChoices):
    WEB = "web", "Web form"
    API = "api", "API"
    IMPORT = "import", "Import"
    SYNTHETIC = "synthetic", "Synthetic demo data"
