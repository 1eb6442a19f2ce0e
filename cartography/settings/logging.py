"""LOGGING, imported by base.py: JSON lines on stderr, each with the request id that caused it.

JSON by default, in every environment, so what a developer sees is what production ships to its
log store; `DJANGO_LOG_FORMAT=plain` gives one readable line per record instead. Levels come from
`DJANGO_LOG_LEVEL` (everything) and `DJANGO_DB_LOG_LEVEL` (SQL, DEBUG to see every query).
https://docs.djangoproject.com/en/5.2/topics/logging/
"""

import environ

env = environ.Env()

LOG_FORMAT = env("DJANGO_LOG_FORMAT", default="json")
LOG_LEVEL = env("DJANGO_LOG_LEVEL", default="INFO")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"context": {"()": "cartography.logging.ContextFilter"}},
    "formatters": {
        "json": {"()": "cartography.logging.JsonFormatter"},
        "plain": {
            "format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s",
        },
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "plain" if LOG_FORMAT == "plain" else "json",
            "filters": ["context"],
        },
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    # Every logger propagates to the root's one handler (so pytest's caplog sees them too);
    # Django's default handlers (console in DEBUG, mail_admins, the dev server's) are removed.
    "loggers": {
        "django": {"handlers": [], "level": LOG_LEVEL, "propagate": True},
        "django.server": {"handlers": [], "level": LOG_LEVEL, "propagate": True},
        "django.db.backends": {
            "handlers": [],
            "level": env("DJANGO_DB_LOG_LEVEL", default="WARNING"),
            "propagate": True,
        },
        # One line per request is written by cartography.middleware; Django's 4xx warnings
        # would repeat it, so only its errors (5xx, with traceback) are kept.
        "django.request": {"handlers": [], "level": "ERROR", "propagate": True},
        "celery": {"handlers": [], "level": LOG_LEVEL, "propagate": True},
    },
}
