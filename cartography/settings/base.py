"""Settings shared by every environment.

Every deployment difference comes from environment variables, read once here with django-environ.
With nothing set, the platform runs on its embedded default: SQLite in the project folder and
background jobs executed eagerly when the transaction that enqueued them commits.
"""

from pathlib import Path

import environ

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()
env.read_env(BASE_DIR / ".env", overwrite=False)

# GENERAL
# ------------------------------------------------------------------------------
DEBUG = env.bool("DJANGO_DEBUG", default=False)
SECRET_KEY = env("DJANGO_SECRET_KEY", default="")
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])
TIME_ZONE = "UTC"
LANGUAGE_CODE = "en"
USE_I18N = True
USE_TZ = True
SITE_NAME = "Open LLM Cartography"
SITE_URL = env("DJANGO_SITE_URL", default="http://127.0.0.1:8000")

# DATABASES
# https://django-environ.readthedocs.io/en/latest/types.html#environ-env-db-url
# ------------------------------------------------------------------------------
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the eager jobs and the web process read while one writes.
    DATABASES["default"].setdefault("OPTIONS", {})["init_command"] = "PRAGMA journal_mode=WAL;"
    DATABASES["default"]["OPTIONS"]["transaction_mode"] = "IMMEDIATE"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# READ REPLICAS (cartography/db_router.py): none by default, and then everything is the primary's.
# Each URL becomes the alias replica_<n>; safe requests read from a healthy one.
for _n, _url in enumerate(env.list("DATABASE_REPLICA_URLS", default=[])):
    _replica = env.db_url_config(_url)
    _replica["ATOMIC_REQUESTS"] = False
    _replica.setdefault("OPTIONS", {}).setdefault("connect_timeout", 2)
    # Kept between requests, checked before reuse (a replica that went away is noticed at once).
    _replica["CONN_MAX_AGE"] = env.int("DATABASE_REPLICA_CONN_MAX_AGE", default=60)
    _replica["CONN_HEALTH_CHECKS"] = True
    # Tests never create or flush a replica: it is the primary's copy.
    _replica["TEST"] = {"MIRROR": "default"}
    DATABASES[f"replica_{_n}"] = _replica
DATABASE_ROUTERS = ["cartography.db_router.ReplicaRouter"]
# After a write, the same client reads from the primary for this long (read-your-writes).
REPLICA_STICKY_SECONDS = env.int("REPLICA_STICKY_SECONDS", default=10)
# A replica whose replay is further behind than this is skipped until it catches up.
REPLICA_MAX_LAG_SECONDS = env.float("REPLICA_MAX_LAG_SECONDS", default=5.0)
# How long one process trusts a replica's last check (answering, lag).
REPLICA_CHECK_SECONDS = env.float("REPLICA_CHECK_SECONDS", default=2.0)

# APPS
# ------------------------------------------------------------------------------
DJANGO_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.admin",
]
THIRD_PARTY_APPS = [
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_celery_beat",
    "allauth",
    "allauth.account",
    "allauth.socialaccount",
    "allauth.socialaccount.providers.github",
    "allauth.socialaccount.providers.openid_connect",
    "allauth.socialaccount.providers.orcid",
]
LOCAL_APPS = [
    "accounts",
    "projects",
    "contributions",
    "repositories",
    "cartography",
]
INSTALLED_APPS = DJANGO_APPS + THIRD_PARTY_APPS + LOCAL_APPS

# AUTHENTICATION
# ------------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "home"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# MIDDLEWARE
# ------------------------------------------------------------------------------
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # The request id wraps everything, so every log line of a request (and its jobs) carries it;
    # the 503 handler wraps everything that touches the database or the session.
    "cartography.middleware.RequestIdMiddleware",
    "cartography.middleware.ContentSecurityPolicyMiddleware",
    "cartography.middleware.DatabaseUnavailableMiddleware",
    # Inside the 503 handler and before anything reads: picks the database a request reads from.
    "cartography.db_router.ReplicaMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Outside sessions and CSRF (it sees their cookies): ETag, 304, public or private.
    "cartography.http_cache.HttpCacheMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]
ROOT_URLCONF = "cartography.urls"
WSGI_APPLICATION = "cartography.wsgi.application"

# HTTP CACHING of anonymous pages and API reads (cartography/http_cache.py): a shared cache
# revalidates every time by default (the ETag follows the ledger version, so a 304 is cheap);
# a positive max-age lets it serve its copy that many seconds without asking.
HTTP_CACHE_MAX_AGE = env.int("HTTP_CACHE_MAX_AGE", default=0)
# The server keeps the last rendered body of each public read beside its ETag and answers from it
# while the ETag is unchanged (a re-render only after a ledger, rollup or registry change).
HTTP_CACHE_PAGES = env.bool("HTTP_CACHE_PAGES", default=True)
# Part of every ETag: a new release (its templates) never answers 304 to an old page.
HTTP_CACHE_RELEASE = env("APP_RELEASE", default="")

# STATIC
# ------------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# TEMPLATES
# ------------------------------------------------------------------------------
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    }
]

# CACHES: rate limits and badges need a cache shared by every web process in production.
# ------------------------------------------------------------------------------
CACHES = {"default": env.cache("CACHE_URL", default="locmemcache://")}
if CACHES["default"]["BACKEND"] == "django.core.cache.backends.redis.RedisCache":
    # Redis down must not take the site down: see cartography/cache.py.
    CACHES["default"]["BACKEND"] = "cartography.cache.FailoverRedisCache"
    CACHES["default"].setdefault("OPTIONS", {}).update(
        {"socket_connect_timeout": 1, "socket_timeout": 1}
    )

# EMAIL: the console in the embedded default, SMTP (or any backend) by EMAIL_URL.
# ------------------------------------------------------------------------------
EMAIL_CONFIG = env.email("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env("DJANGO_DEFAULT_FROM_EMAIL", default="cartography@localhost")

# CELERY
# https://docs.celeryq.dev/en/stable/userguide/configuration.html
# ------------------------------------------------------------------------------
CELERY_BROKER_URL = env("CELERY_BROKER_URL", default="")
# Without a broker (the embedded default) tasks run in-process, eagerly; `delay_on_commit` still
# defers them until the enqueuing transaction commits, so the behaviour matches the real worker.
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_TIME_LIMIT = 15 * 60
CELERY_TASK_SOFT_TIME_LIMIT = 14 * 60
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# A publish to a broker that is down must fail fast: the commit it follows has already happened,
# and the periodic reconciliation repairs whatever the lost job would have done.
CELERY_BROKER_TRANSPORT_OPTIONS = {"max_retries": 1, "interval_start": 0, "interval_step": 0.2}
CELERY_BROKER_CONNECTION_TIMEOUT = 2
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
# The periodic jobs (reconciliation, the maintainers' digest) come from settings/beat.py, below.

# REPOSITORY SOURCES: git histories read into the ledger (repositories/, README "Repositories")
# ------------------------------------------------------------------------------
# Hosts the web and the API accept https:// URLs on (staff and the command line may also give
# local paths). Every address a host resolves to must be public.
REPOSITORY_ALLOWED_HOSTS = env.list(
    "REPOSITORY_ALLOWED_HOSTS",
    default=["github.com", "gitlab.com", "codeberg.org", "huggingface.co"],
)
# Bare clones are kept here between syncs (incremental fetches); the least recently used go
# first when the folder outgrows the limit, and a single clone over it is refused.
REPOSITORY_CACHE_DIR = env("REPOSITORY_CACHE_DIR", default=str(BASE_DIR / "var" / "repositories"))
REPOSITORY_CACHE_MAX_BYTES = env.int("REPOSITORY_CACHE_MAX_MB", default=2048) * 1024 * 1024
# One sync's time budget; what it recorded stays, and the next sync goes on from there.
REPOSITORY_SYNC_SECONDS = env.int("REPOSITORY_SYNC_SECONDS", default=600)
# Authors to ignore besides the built-in bots, as a regular expression on "Name <address>".
REPOSITORY_BOT_PATTERN = env("REPOSITORY_BOT_PATTERN", default="")

# SIGN-IN (django-allauth): password accounts, GitHub, Hugging Face, ORCID; see settings/accounts.py
# ------------------------------------------------------------------------------
from .accounts import *  # noqa: E402, F403

# DJANGO REST FRAMEWORK and the OpenAPI schema: see settings/api.py
# ------------------------------------------------------------------------------
from .api import REST_FRAMEWORK, SPECTACULAR_SETTINGS  # noqa: E402, F401

# CELERY BEAT: the periodic jobs, synced into the database scheduler
# ------------------------------------------------------------------------------
from .beat import *  # noqa: E402, F403

# LOGGING: JSON lines with the request id; see settings/logging.py
# ------------------------------------------------------------------------------
from .logging import LOGGING  # noqa: E402, F401
