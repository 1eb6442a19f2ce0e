"""Rate limits of the API: anonymous clients, signed-in clients, and a stricter scope for writes.

DRF's throttles copy the rates into a class attribute when they are first imported, so a change of
settings (a test, or a deployment reading the environment late) would be ignored. These read the
rates at each request instead. Counters live in the default cache, which production shares across
web processes (CACHE_URL), so a limit holds however many processes serve the API.
"""

from rest_framework import throttling
from rest_framework.settings import api_settings

SAFE_METHODS = ("GET", "HEAD", "OPTIONS")


class _SettingsRate:
    def get_rate(self):
        return api_settings.DEFAULT_THROTTLE_RATES.get(self.scope)


class AnonThrottle(_SettingsRate, throttling.AnonRateThrottle):
    """Anonymous clients, counted per IP address."""


class UserThrottle(_SettingsRate, throttling.UserRateThrottle):
    """Authenticated clients, counted per user (whether by session or by token)."""


class WriteThrottle(_SettingsRate, throttling.SimpleRateThrottle):
    """Every write (log, edit, moderate, propose), counted per user, on top of the user limit."""

    scope = "write"

    def get_cache_key(self, request, view):
        if request.method in SAFE_METHODS:
            return None
        ident = request.user.pk if request.user.is_authenticated else self.get_ident(request)
        return self.cache_format % {"scope": self.scope, "ident": ident}
