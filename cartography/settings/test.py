"""Settings for the test suite: fast hashing, mail kept in memory, everything else as base."""

from .base import *  # noqa: F403
from .base import env

SECRET_KEY = env("DJANGO_SECRET_KEY", default="test-only-not-secret")
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.MD5PasswordHasher",
    # Available for tests whose users sign in to a server running production settings.
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# Jobs run eagerly (after commit) in every test, whatever CELERY_BROKER_URL says, so that ordinary
# tests never depend on a worker. The service tests (marker `services`) start real worker
# processes and switch the Celery app to the broker for their duration.
CELERY_TASK_ALWAYS_EAGER = True

# Static files come from the app folders (no collectstatic before tests).
WHITENOISE_AUTOREFRESH = True
WHITENOISE_USE_FINDERS = True
