"""Anonymous pages and API reads a reverse proxy may cache, revalidated by the ledger version.

An anonymous GET of a page or API read named in `PUBLIC_VIEWS` answers with
`Cache-Control: public, no-cache` (a proxy may keep it but asks again each time; a positive
`HTTP_CACHE_MAX_AGE` lets it serve the copy that long without asking) and an `ETag` derived from
what the page shows:

- the ledger: the version the database triggers bump with every statistics-relevant write
  (`contributions.ProjectLedgerVersion`), of the page's project for a project page, of every
  project for the others. An approval moves it; a pending submission does not.
- the rollups: when the project's summary (or every summary and the global state) was last
  written, so a page rendered between an approval's commit and its job is not kept after the job;
- the registry: a generation token bumped by every save or delete of a registry row (projects,
  organisations, artifacts, openness, governance history), of a contributor profile and of a
  repository source (added, removed, its totals after a sync), plus the
  count and last `updated_at` of the projects;
- the day (the 30 and 90 day activity windows move with it), the release, and the Accept header
  (the API answers JSON or its browsable page).

A request whose `If-None-Match` names the current tag is answered 304 before the view runs; any
other anonymous GET is answered from the server's own copy of the page when that copy was rendered
under the current tag (`HTTP_CACHE_PAGES`), so the view runs once per state, not once per visit. A
signed-in request, one with a session cookie or an Authorization header, or one whose response
sets a cookie, gets `Cache-Control: private`: it is never stored by a shared cache.
"""

from __future__ import annotations

import functools
import hashlib
import uuid
from collections.abc import Callable
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models import Count, Max, Q, Subquery, Sum
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.http import HttpRequest, HttpResponse, HttpResponseNotModified
from django.utils import timezone
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.utils.http import parse_etags

# Pages and API reads an anonymous visitor gets from a shared cache: URL names, and whether the
# page belongs to one project (its `slug` or `project_slug` argument).
PUBLIC_VIEWS: dict[str, bool] = {
    "home": False,
    "governance": False,
    "projects:project_list": False,
    "projects:project_detail": True,
    "openness:overview": False,
    "contributions:contribution_list": False,
    "api:project-list": False,
    "api:project-detail": True,
    "api:organisation-list": False,
    "api:organisation-detail": False,
    "api:artifact-list": False,
    "api:artifact-detail": False,
    "api:licence-list": False,
    "api:language-list": False,
    "api:licence-detail": False,
    "api:language-detail": False,
    "api:contributor-list": False,
    "api:contribution-list": False,
}
# The rest of the API's reads (statistics, the map, openness) are public when their name starts so.
PUBLIC_API_PREFIXES = ("api:stats", "api:project-stats", "api:map", "api:openness")

REGISTRY_GENERATION_KEY = "http-cache:registry-generation"
REGISTRY_APPS = frozenset({"projects"})
# A repository source's row carries what the project page shows of it (its totals, its last sync).
REGISTRY_MODELS = frozenset(
    {("contributions", "contributor"), ("repositories", "repositorysource")}
)
SAFE = frozenset({"GET", "HEAD"})


# THE REGISTRY'S GENERATION
# ------------------------------------------------------------------------------
def registry_token() -> str:
    """A value that changes with every registry write (a new random one if the cache lost it,
    which only costs a revalidation)."""
    return cache.get_or_set(REGISTRY_GENERATION_KEY, lambda: uuid.uuid4().hex, timeout=None)


def registry_changed() -> None:
    """Bump the token now and again when the transaction commits, so no request can pair the
    new token with rows read before the commit."""
    cache.set(REGISTRY_GENERATION_KEY, uuid.uuid4().hex, timeout=None)
    transaction.on_commit(
        lambda: cache.set(REGISTRY_GENERATION_KEY, uuid.uuid4().hex, timeout=None), robust=True
    )


def _is_registry(model) -> bool:
    meta = model._meta
    return meta.app_label in REGISTRY_APPS or (meta.app_label, meta.model_name) in REGISTRY_MODELS


def _on_change(sender, **kwargs) -> None:
    if _is_registry(sender):
        registry_changed()


def connect_signals() -> None:
    for signal in (post_save, post_delete, m2m_changed):
        signal.connect(_on_change, dispatch_uid=f"cartography.http_cache.{id(signal)}")


# VALIDATORS
# ------------------------------------------------------------------------------
def _public_kind(request: HttpRequest) -> bool | None:
    """None when the page is not shared-cacheable; else whether it belongs to one project."""
    match = request.resolver_match
    if match is None:
        return None
    name = match.view_name
    if name in PUBLIC_VIEWS:
        return PUBLIC_VIEWS[name]
    if name.startswith(PUBLIC_API_PREFIXES):
        return "slug" in match.kwargs or "project_slug" in match.kwargs
    return None


def _state(slug: str | None) -> str:
    """The ledger and rollup state a page shows, and the registry's shape, in one query.

    The ledger: the version the triggers bump (of the page's project, or summed over every
    project). The rollups: when each was last written (`computed_at` of the project's summary,
    of every summary, and of the global state), so a page rendered after an approval but before
    the job refreshed the rollups is never kept under the new version. No row yet: nothing was
    ever approved there (the triggers make it with the first one)."""
    project_model = apps.get_model("projects", "Project")
    state_model = apps.get_model("contributions", "GlobalStatsState")
    mine = Q(slug=slug) if slug is not None else None
    shape = project_model.objects.aggregate(
        count=Count("pk"),
        updated=Max("updated_at"),
        ledger=Sum("ledger_version__version", filter=mine),
        rollups=Max("stats_summary__computed_at", filter=mine),
        global_rollups=Max(Subquery(state_model.objects.values("computed_at")[:1])),
    )
    parts = [shape["count"], shape["updated"], shape["ledger"] or 0, shape["rollups"]]
    if slug is None:
        parts.append(shape["global_rollups"])
    else:
        parts.insert(0, slug)
    return ":".join("" if part is None else str(part) for part in parts)


@functools.cache
def release() -> str:
    """APP_RELEASE, else a digest of the templates: a deployment that changes a page never
    answers 304 to a copy of the old one."""
    if settings.HTTP_CACHE_RELEASE:
        return settings.HTTP_CACHE_RELEASE
    digest = hashlib.sha256()
    for directory in settings.TEMPLATES[0]["DIRS"]:
        for path in sorted(Path(directory).rglob("*")):
            if path.is_file():
                digest.update(str(path.relative_to(directory)).encode())
                digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def etag_for(request: HttpRequest, *, per_project: bool) -> str:
    kwargs = request.resolver_match.kwargs
    slug = kwargs.get("slug") or kwargs.get("project_slug") if per_project else None
    parts = [
        release(),
        timezone.localdate().isoformat(),
        registry_token(),
        _state(slug),
        request.headers.get("Accept", ""),
        request.GET.get("format", ""),
    ]
    return '"' + hashlib.sha256("|".join(parts).encode()).hexdigest()[:32] + '"'


def _signed_in(request: HttpRequest) -> bool:
    """Someone the page may be personal to: signed in, authenticating, or carrying a session
    (a visitor in the middle of signing up, or with a message waiting to be shown)."""
    if "Authorization" in request.headers or settings.SESSION_COOKIE_NAME in request.COOKIES:
        return True
    if getattr(request, "_force_auth_user", None) is not None:  # DRF's test client signs in so
        return True
    user = getattr(request, "user", None)
    return bool(user is not None and user.is_authenticated)


def _public_control(response: HttpResponse) -> None:
    if settings.HTTP_CACHE_MAX_AGE > 0:
        patch_cache_control(response, public=True, max_age=settings.HTTP_CACHE_MAX_AGE)
    else:
        patch_cache_control(response, public=True, no_cache=True)
    # The page differs for a signed-in visitor (the session cookie) and by representation.
    patch_vary_headers(response, ("Cookie", "Accept"))


class HttpCacheMiddleware:
    """ETag and Cache-Control for the public reads, 304 when the client's copy is current.

    Outside the session and CSRF middleware, so it sees the cookies they set on the way out; its
    `process_view` runs after every middleware's request part, so it knows who asks."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return finish(request, self.get_response(request))

    def process_view(self, request: HttpRequest, view, args, kwargs) -> HttpResponse | None:
        if request.method not in SAFE:
            return None
        per_project = _public_kind(request)
        if per_project is None:
            return None
        if _signed_in(request):
            request._http_cache = "private"
            return None
        etag = etag_for(request, per_project=per_project)
        request._http_cache = etag
        if etag in parse_etags(request.headers.get("If-None-Match", "")):
            response = HttpResponseNotModified()
            response["ETag"] = etag
            _public_control(response)
            return response
        if settings.HTTP_CACHE_PAGES:
            return _replay(request, etag)
        return None


def finish(request: HttpRequest, response: HttpResponse) -> HttpResponse:
    """Headers for a response to a public read (called on the way out)."""
    state = getattr(request, "_http_cache", None)
    if state is None or response.status_code == 304:
        return response
    if state == "private" or response.cookies or response.status_code != 200:
        patch_cache_control(response, private=True)
        return response
    response["ETag"] = state
    _public_control(response)
    fresh = not getattr(request, "_http_cache_replayed", False)
    if fresh and settings.HTTP_CACHE_PAGES and request.method == "GET" and not response.streaming:
        _keep(request, response, state)
    return response


# THE SERVER'S COPY
# ------------------------------------------------------------------------------
# Each public URL (and representation) keeps its last rendered body beside the ETag it was
# rendered under. The copy is served exactly while the ETag is the same, so it is never stale and
# needs no timeout; a new ledger version, rollup refresh or registry write renders it again once.
PAGE_KEY = "http-cache:page:"
UNSTORED_HEADERS = frozenset({"etag", "cache-control", "vary", "set-cookie", "content-length"})


def _page_key(request: HttpRequest) -> str:
    raw = f"{request.get_full_path()}|{request.headers.get('Accept', '')}"
    return PAGE_KEY + hashlib.sha256(raw.encode()).hexdigest()


def _keep(request: HttpRequest, response: HttpResponse, etag: str) -> None:
    headers = [(k, v) for k, v in response.items() if k.lower() not in UNSTORED_HEADERS]
    cache.set(
        _page_key(request),
        {"etag": etag, "headers": headers, "content": response.content},
        timeout=None,
    )


def _throttled(request: HttpRequest) -> bool:
    """Whether the API view's throttles refuse this request (counting it, as the view would):
    a copy served from the cache is still a request against the client's rate."""
    view_class = getattr(request.resolver_match.func, "cls", None)
    if view_class is None or not hasattr(view_class, "get_throttles"):
        return False
    from rest_framework.request import Request

    view = view_class(**getattr(request.resolver_match.func, "initkwargs", {}))
    view.action = (getattr(request.resolver_match.func, "actions", None) or {}).get("get")
    view.request, view.args, view.kwargs = request, (), request.resolver_match.kwargs
    api_request = Request(request)
    return not all(t.allow_request(api_request, view) for t in view.get_throttles())


def _replay(request: HttpRequest, etag: str) -> HttpResponse | None:
    stored = cache.get(_page_key(request))
    if not stored or stored["etag"] != etag or _throttled(request):
        return None
    response = HttpResponse(stored["content"])
    for name, value in stored["headers"]:
        response[name] = value
    request._http_cache_replayed = True
    return response
