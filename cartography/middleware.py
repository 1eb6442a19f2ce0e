"""Site-wide middleware: the request id and request log, the Content Security Policy, and a clean
503 while the database is unreachable.

Order in settings.MIDDLEWARE (right after SecurityMiddleware, before everything that may touch the
database or the session):

    RequestIdMiddleware               outermost of ours: its log line sees the final status
    ContentSecurityPolicyMiddleware   the header goes on every response, the 503 page included
    DatabaseUnavailableMiddleware     turns a database outage into 503, never 500
"""

from __future__ import annotations

import logging
import sys
import time
from collections.abc import Callable
from http import HTTPStatus

from django.conf import settings
from django.core.signals import got_request_exception
from django.db import InterfaceError, OperationalError
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse, JsonResponse

from cartography import audit
from cartography.logging import REQUEST_ID_HEADER, accept_request_id, request_id_var

request_logger = logging.getLogger("cartography.request")
logger = logging.getLogger(__name__)

# Load balancers poll these every few seconds: their lines are DEBUG, not INFO noise.
QUIET_PATHS = ("/healthz", "/readyz")

GetResponse = Callable[[HttpRequest], HttpResponse]


class RequestIdMiddleware:
    """Give every request an id (the caller's X-Request-ID if well formed), expose it as
    `request.request_id`, in the response header and on every log record made while it runs,
    and write one structured line per request. Jobs enqueued meanwhile carry it on
    (cartography.signals)."""

    def __init__(self, get_response: GetResponse) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request_id = accept_request_id(request.headers.get(REQUEST_ID_HEADER))
        request.request_id = request_id
        token = request_id_var.set(request_id)
        started = time.perf_counter()
        try:
            response = self.get_response(request)
            response[REQUEST_ID_HEADER] = request_id
            self._log(request, response, started)
            return response
        finally:
            request_id_var.reset(token)

    @staticmethod
    def _log(request: HttpRequest, response: HttpResponse, started: float) -> None:
        status = response.status_code
        fields = {
            "method": request.method,
            "path": request.path,
            "status": status,
            "duration_ms": round((time.perf_counter() - started) * 1000, 1),
            "user_id": audit.loaded_user_id(request),
            "database": getattr(request, "database_alias", "default"),
        }
        if status >= HTTPStatus.INTERNAL_SERVER_ERROR:
            level = logging.ERROR if status != HTTPStatus.SERVICE_UNAVAILABLE else logging.WARNING
        elif request.path in QUIET_PATHS:
            level = logging.DEBUG
        else:
            level = logging.INFO
        request_logger.log(level, "request", extra=fields)
        if status in (HTTPStatus.UNAUTHORIZED, HTTPStatus.FORBIDDEN):
            audit.authorization_denied(request=request, status=status)
        elif status == HTTPStatus.TOO_MANY_REQUESTS:
            audit.rate_limited(request=request)


class ContentSecurityPolicyMiddleware:
    """Send the Content-Security-Policy built from settings.SECURE_CSP.

    Django 5.2 has none built in. The setting has the shape of Django 6's own `SECURE_CSP`
    (directive -> list of sources), so moving to Django 6 means deleting this class and naming
    django.middleware.csp.ContentSecurityPolicyMiddleware instead. A view that sets its own
    header keeps it.
    """

    def __init__(self, get_response: GetResponse) -> None:
        self.get_response = get_response
        policy = getattr(settings, "SECURE_CSP", None) or DEFAULT_CSP
        self.header_value = build_policy(policy)

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if self.header_value and "Content-Security-Policy" not in response:
            response["Content-Security-Policy"] = self.header_value
        return response


SELF = "'self'"
NONE = "'none'"
# Only the platform's own origin: the pages use no inline script or style, no CDN.
DEFAULT_CSP: dict[str, list[str]] = {
    "default-src": [SELF],
    "img-src": [SELF, "data:"],
    "style-src": [SELF],
    "script-src": [SELF],
    "object-src": [NONE],
    "base-uri": [SELF],
    "frame-ancestors": [NONE],
    "form-action": [SELF],
}


def build_policy(policy: dict[str, list[str]] | str) -> str:
    if isinstance(policy, str):
        return policy
    return "; ".join(f"{name} {' '.join(sources)}".strip() for name, sources in policy.items())


# DATABASE OUTAGES
# ------------------------------------------------------------------------------
DATABASE_ERRORS = (OperationalError, InterfaceError)
UNAVAILABLE_MESSAGE = (
    "The service is briefly unavailable: its database cannot be reached. Nothing you sent was "
    "half-saved; please retry in a few seconds."
)
RETRY_AFTER_SECONDS = 5
_UNAVAILABLE_HTML = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Briefly unavailable</title></head>
<body><main><h1>Briefly unavailable</h1><p>{message}</p></main></body></html>
"""


def _is_api(request: HttpRequest) -> bool:
    accept = request.headers.get("Accept", "")
    return request.path.startswith("/api/") or (
        "application/json" in accept and "text/html" not in accept
    )


def database_unavailable_response(request: HttpRequest) -> HttpResponse:
    """503 with Retry-After: JSON in the API's error shape for programs, a page for people.

    Rendered without templates or context processors, which could query the database again.
    """
    if _is_api(request):
        body = {
            "status": HTTPStatus.SERVICE_UNAVAILABLE,
            "code": "service_unavailable",
            "detail": UNAVAILABLE_MESSAGE,
            "errors": {},
            "retry_after": RETRY_AFTER_SECONDS,
        }
        response: HttpResponse = JsonResponse(body, status=HTTPStatus.SERVICE_UNAVAILABLE)
    else:
        response = HttpResponse(
            _UNAVAILABLE_HTML.format(message=UNAVAILABLE_MESSAGE),
            status=HTTPStatus.SERVICE_UNAVAILABLE,
            content_type="text/html; charset=utf-8",
        )
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response["Cache-Control"] = "no-store"
    return response


class DatabaseUnavailableMiddleware:
    """A request that meets a lost database connection answers 503 + Retry-After, not 500.

    Nothing needs restarting afterwards: Django drops the broken connection at the end of the
    request (and the psycopg pool checks each connection before lending it), so the next request
    reconnects once PostgreSQL is back. Two paths lead here: an error raised by a view arrives in
    `process_exception`; one raised by a middleware inside this one (the session saved on the
    way out) has already become a 500, which `got_request_exception` marked on the request.
    """

    def __init__(self, get_response: GetResponse) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if (
            response.status_code == HTTPStatus.INTERNAL_SERVER_ERROR
            and getattr(request, "_database_error", None) is not None
        ):
            return self._unavailable(request, request._database_error)
        return response

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if isinstance(exception, DATABASE_ERRORS):
            return self._unavailable(request, exception)
        return None

    @staticmethod
    def _unavailable(request: HttpRequest, exception: BaseException) -> HttpResponse:
        logger.warning(
            "database unavailable: answered 503",
            extra={"error": type(exception).__name__, "detail": str(exception)[:300]},
        )
        return database_unavailable_response(request)


@receiver(got_request_exception, dispatch_uid="cartography.middleware.mark_database_error")
def _mark_database_error(sender, request: HttpRequest | None = None, **kwargs) -> None:
    exception = sys.exc_info()[1]
    if request is not None and isinstance(exception, DATABASE_ERRORS):
        request._database_error = exception
