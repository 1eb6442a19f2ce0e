"""The embedded default for development: `make run`. SQLite, eager jobs, mail to the console."""

from .base import *  # noqa: F403
from .base import env

DEBUG = env.bool("DJANGO_DEBUG", default=True)
# A fixed development key is fine here: local settings are never used to serve the public.
SECRET_KEY = env("DJANGO_SECRET_KEY", default="local-development-only-not-secret")
