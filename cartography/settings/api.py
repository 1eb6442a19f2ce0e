"""Settings of the REST API (Django REST framework and drf-spectacular), imported by base.py.

Kept in one file so the API's behaviour (authentication, permissions, throttling, errors,
pagination, schema) reads in one place. Throttle rates come from the environment, read once here.
"""

import environ

__all__ = ["REST_FRAMEWORK", "SPECTACULAR_SETTINGS"]

env = environ.Env()

# DJANGO REST FRAMEWORK
# https://www.django-rest-framework.org/api-guide/settings/
# ------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    # Tokens first: an unauthenticated request then gets 401 with a WWW-Authenticate challenge.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "accounts.tokens.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    # Anonymous clients read public data; each view narrows writes with the shared policy.
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticatedOrReadOnly"],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "core.pagination.OffsetPagination",
    "PAGE_SIZE": 50,
    # JSON in: programs send JSON, and the browsable API's raw-data form does too.
    "DEFAULT_PARSER_CLASSES": ["cartography.api_parsers.GuardedJSONParser"],
    "DEFAULT_RENDERER_CLASSES": [
        "rest_framework.renderers.JSONRenderer",
        "rest_framework.renderers.BrowsableAPIRenderer",
    ],
    "DEFAULT_THROTTLE_CLASSES": [
        "cartography.api_throttles.AnonThrottle",
        "cartography.api_throttles.UserThrottle",
        "cartography.api_throttles.WriteThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": env("API_THROTTLE_ANON", default="120/min"),
        "user": env("API_THROTTLE_USER", default="600/min"),
        # Writes (logging, moderating, proposing) are rarer and costlier than reads.
        "write": env("API_THROTTLE_WRITE", default="60/min"),
    },
    # Anonymous clients are counted by address. Behind N trusted proxies set API_NUM_PROXIES=N;
    # with the default 0 a client-sent X-Forwarded-For is ignored, so it cannot dodge its limit.
    "NUM_PROXIES": env.int("API_NUM_PROXIES", default=0),
    "EXCEPTION_HANDLER": "core.api_errors.exception_handler",
    # Quantities are numbers in JSON: dashboards sum them without parsing strings.
    "COERCE_DECIMAL_TO_STRING": False,
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}

# OPENAPI SCHEMA
# https://drf-spectacular.readthedocs.io/en/latest/settings.html
# ------------------------------------------------------------------------------
SPECTACULAR_SETTINGS = {
    "TITLE": "Open LLM Cartography API",
    "DESCRIPTION": (
        "Open LLM projects, their artifacts, and every kind of contribution to them. Anonymous "
        "clients read public data; programs authenticate with `Authorization: Bearer <token>` "
        "(tokens are created on the API tokens page, /accounts/tokens/). Every error has one "
        "JSON shape (`Error`)."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    # Separate request and response components: read-only fields are not asked for on input.
    "COMPONENT_SPLIT_REQUEST": True,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    # No deep links: Swagger UI draws each one as a link inside the operation's toggle button,
    # a control nested in a control that keyboards and screen readers cannot tell apart
    # (axe-core's nested-interactive).
    "SWAGGER_UI_SETTINGS": {"deepLinking": False},
    "REDOC_DIST": "SIDECAR",
    "ENUM_NAME_OVERRIDES": {
        "ContributionStatusEnum": "contributions.choices.ContributionStatus",
        "ContributionTypeEnum": "contributions.choices.ContributionType",
        "LifecyclePhaseEnum": "contributions.choices.LifecyclePhase",
        "CompensationEnum": "contributions.choices.Compensation",
        "ContributionSourceEnum": "contributions.choices.ContributionSource",
        "FactSourceEnum": "projects.choices.FactSource",
        "GovernanceModelEnum": "projects.choices.GovernanceModel",
        "ListingStatusEnum": "projects.choices.ListingStatus",
        "ArtifactKindEnum": "projects.choices.ArtifactKind",
        "OrganisationKindEnum": "projects.choices.OrganisationKind",
        "LicenceKindEnum": "projects.choices.LicenceKind",
    },
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "core.api_errors.document_error_responses",
    ],
}
