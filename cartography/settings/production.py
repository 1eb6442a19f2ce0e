"""Production: everything from the environment; refuses to start without a secret key or a
shared cache.

Passes `manage.py check --deploy --fail-level WARNING` with nothing but DJANGO_SECRET_KEY,
DJANGO_ALLOWED_HOSTS, DATABASE_URL and CACHE_URL set (.ci/run runs exactly that). The Content
Security Policy, the request id and the 503-on-database-outage come from cartography.middleware,
for every environment alike, so tests exercise what production serves.
"""

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import CACHES, DATABASES, env

SECRET_KEY = env("DJANGO_SECRET_KEY", default="")
if not SECRET_KEY:
    raise ImproperlyConfigured("DJANGO_SECRET_KEY must be set in production.")
# Rate limits, throttles and sign-in counters live in the cache: a per-process fallback would
# multiply every limit by the number of web processes, so a shared cache is required.
_PROCESS_LOCAL_CACHES = (
    "django.core.cache.backends.locmem.LocMemCache",
    "django.core.cache.backends.dummy.DummyCache",
)
if not env("CACHE_URL", default="") or CACHES["default"]["BACKEND"] in _PROCESS_LOCAL_CACHES:
    raise ImproperlyConfigured(
        "CACHE_URL must be set in production: a cache shared by every web process "
        "(e.g. redis://127.0.0.1:6379/1), so rate limits hold across processes."
    )
DEBUG = False
# No default: a production host list that is guessed is a host-header attack waiting to happen.
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS")
# Origins allowed to POST over HTTPS besides the host itself (e.g. https://cartography.example.org
# behind a proxy that rewrites Host); comma-separated, scheme included.
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

# SECURITY
# https://docs.djangoproject.com/en/5.2/howto/deployment/checklist/
# ------------------------------------------------------------------------------
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=True)
# The __Host- prefix makes browsers refuse the cookie unless it is Secure, has Path=/ and no
# Domain: a subdomain cannot plant or overwrite it.
SESSION_COOKIE_SECURE = True
SESSION_COOKIE_NAME = "__Host-sessionid"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SECURE = True
CSRF_COOKIE_NAME = "__Host-csrftoken"
CSRF_COOKIE_SAMESITE = "Lax"
SECURE_HSTS_SECONDS = env.int("DJANGO_SECURE_HSTS_SECONDS", default=31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Links in account mails and the callback addresses given to GitHub, Hugging Face and ORCID.
ACCOUNT_DEFAULT_HTTP_PROTOCOL = "https"

# DATABASES: psycopg 3's connection pool on PostgreSQL, with health checks.
# https://docs.djangoproject.com/en/5.2/ref/databases/#connection-pool
# ------------------------------------------------------------------------------
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
        "min_size": env.int("DATABASE_POOL_MIN", default=2),
        "max_size": env.int("DATABASE_POOL_MAX", default=10),
        # How long a request waits for a connection before it answers 503 (while PostgreSQL
        # restarts, say): short enough that a load balancer sees the outage, not a hang.
        "timeout": env.float("DATABASE_POOL_TIMEOUT", default=5.0),
    }
    # With the pool, this makes psycopg check each connection before lending it, so one broken
    # by a database restart is replaced instead of failing a request.
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    # The pool keeps connections; Django must not keep its own as well (it refuses to).
    DATABASES["default"]["CONN_MAX_AGE"] = 0

# STATIC: compressed, hashed file names served by whitenoise.
# ------------------------------------------------------------------------------
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
