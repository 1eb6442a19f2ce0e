"""Site-wide pages: the map (home), the governance and compare views, README badges, the
importer pages, and the health endpoints for load balancers."""

import logging
from http import HTTPStatus

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from cartography import badges, selectors, services, tasks, worldmap
from cartography.forms import ImportForm
from cartography.models import ImportRun
from cartography.services import MAX_IMPORT_BYTES
from contributions import stats_reader
from contributions.choices import ContributionDomain, LifecyclePhase
from core.limits import cap_lines
from projects import permissions as project_permissions
from projects.selectors import projects_visible_to

logger = logging.getLogger(__name__)


# THE MAP AND THE GOVERNANCE VIEW
# ------------------------------------------------------------------------------
@require_GET
def home(request: HttpRequest) -> HttpResponse:
    """The home page is the map: every chart drawn on the server, each with its table and the
    API call that feeds it."""
    data = selectors.map_overview()
    totals = data["totals"]
    project_list = reverse("projects:project_list")

    def projects_in(code: str) -> str:
        return f"{project_list}?country={code}"

    governance = data["governance"]
    charts = {
        "projects_map": worldmap.render_choropleth(
            data["projects_by_country"],
            title="Open LLM projects by country",
            value_label="projects",
            value_label_one="project",
            link_for=projects_in,
            chart_id="map-projects",
        ),
        "projects_map_legend": worldmap.render_choropleth_legend(
            data["projects_by_country"], value_label="projects"
        ),
        "contributions_map_legend": worldmap.render_choropleth_legend(
            data["contributions_by_country"], value_label="approved contributions"
        ),
        "contributions_map": worldmap.render_choropleth(
            data["contributions_by_country"],
            title="Approved contributions by country of the project",
            value_label="approved contributions",
            value_label_one="approved contribution",
            link_for=projects_in,
            chart_id="map-contributions",
        ),
        "governance": worldmap.render_bar_chart(
            [(group.label, len(group.projects)) for group in governance],
            title="Projects per governance model",
            chart_id="chart-governance",
        ),
        "code_mix": worldmap.render_stacked_bar(
            [
                ("Code", totals["code"], "share-code"),
                ("Non-code", totals["non_code"], "share-noncode"),
            ],
            title="Code and non-code work among approved contributions",
            chart_id="chart-code-mix",
        ),
        "phases": worldmap.render_stacked_bar(
            [(row["label"], row["contributions"], f"phase-{row['key']}") for row in data["phases"]],
            title="Approved contributions by lifecycle phase",
            chart_id="chart-phases",
        ),
        "domains": worldmap.render_bar_chart(
            [
                (row["label"], row["artifacts"])
                for row in data["domains"]
                if row["key"] != "unspecified"
            ],
            title="Artifacts per artifact domain",
            chart_id="chart-domains",
        ),
        "domain_contributions": worldmap.render_stacked_bar(
            [
                (
                    row["label"],
                    row["contributions"],
                    "seg-other" if row["key"] == "unspecified" else f"domain-{row['key']}",
                )
                for row in data["domains"]
            ],
            title="Approved contributions by artifact domain",
            chart_id="chart-domain-contributions",
        ),
        "languages": worldmap.render_bar_chart(
            [
                (
                    f"{row['name']}{' (underrepresented)' if row['underrepresented'] else ''}",
                    row["projects"],
                )
                for row in data["languages"][:LANGUAGES_CHARTED]
            ],
            title="Languages targeted by the most projects",
            chart_id="chart-languages",
        ),
    }
    return render(
        request,
        "cartography/map.html",
        {
            **data,
            "charts": {name: mark_safe(svg) for name, svg in charts.items()},  # noqa: S308
            "api": _api_links(),
            "languages_charted": LANGUAGES_CHARTED,
        },
    )


LANGUAGES_CHARTED = 15


def _api_links() -> dict[str, str]:
    return {
        "map": selectors.API_MAP,
        "stats": selectors.API_STATS,
        "projects": selectors.API_PROJECTS,
        "artifacts": selectors.API_ARTIFACTS,
        "languages": "/api/v1/languages/",
    }


@require_GET
def governance(request: HttpRequest) -> HttpResponse:
    """The five governance models of the study, each with its projects and their aggregate
    contribution patterns, so differences in centralisation and engagement show in live data."""
    breakdowns = stats_reader.global_breakdowns()
    groups = selectors.governance_groups(breakdowns=breakdowns)
    charts = {
        "non_code": worldmap.render_bar_chart(
            [(group.label, group.non_code_share or 0) for group in groups],
            title="Non-code share of approved contributions per governance model",
            value_format=stats_reader.percent_text,
            chart_id="chart-governance-noncode",
        ),
        "phases": {
            group.model: worldmap.render_stacked_bar(
                [(label, n, f"phase-{key}") for key, label, n in group.phase_rows],
                title=f"Lifecycle phases: {group.label}",
                chart_id=f"chart-phases-{group.model}",
            )
            for group in groups
        },
    }
    return render(
        request,
        "cartography/governance.html",
        {
            "groups": groups,
            "computed_at": breakdowns.updated_at,
            "chart_non_code": mark_safe(charts["non_code"]),  # noqa: S308
            "chart_phases": {k: mark_safe(v) for k, v in charts["phases"].items()},  # noqa: S308
            "api": _api_links(),
        },
    )


# COMPARE
# ------------------------------------------------------------------------------
COMPARE_MIN, COMPARE_MAX = 2, 4


@require_GET
def compare(request: HttpRequest) -> HttpResponse:
    """Two to four projects side by side: governance, organisations, openness of their models,
    contribution mix and health metrics."""
    wanted = [slug for slug in request.GET.getlist("projects") if slug][: COMPARE_MAX + 1]
    error = ""
    projects = []
    if wanted:
        if not COMPARE_MIN <= len(set(wanted)) <= COMPARE_MAX:
            error = f"Choose between {COMPARE_MIN} and {COMPARE_MAX} projects to compare."
        else:
            projects = selectors.compare_projects(wanted)
            if len(projects) < COMPARE_MIN:
                error = "Some of those projects are not on the map."
                projects = []
    columns = []
    for project in projects:
        stats = project.stats
        columns.append(
            {
                "project": project,
                "stats": stats,
                "models": selectors.project_model_openness(project),
                "phase_chart": mark_safe(  # noqa: S308
                    worldmap.render_stacked_bar(
                        [
                            (
                                str(phase.label),
                                stats.phase_count(phase.value),
                                f"phase-{phase.value}",
                            )
                            for phase in LifecyclePhase
                        ],
                        title=f"Lifecycle phases: {project.name}",
                        chart_id=f"chart-compare-phases-{project.slug}",
                        legend=False,
                    )
                ),
                # The chart's legend: each phase with its colour and count.
                "phase_rows": [
                    (str(phase.label), stats.phase_count(phase.value), f"phase-{phase.value}")
                    for phase in LifecyclePhase
                ],
                "domain_rows": [
                    (str(domain.label), stats.domain_count(domain.value))
                    for domain in ContributionDomain
                ],
                "api": selectors.api_project_stats(project.slug),
            }
        )
    choices = selectors.public_projects().order_by("name").only("slug", "name")
    return render(
        request,
        "cartography/compare.html",
        {
            "columns": columns,
            "choices": choices,
            "selected": set(wanted),
            "error": error,
            "limits": (COMPARE_MIN, COMPARE_MAX),
        },
        status=HTTPStatus.BAD_REQUEST if error else HTTPStatus.OK,
    )


# BADGES
# ------------------------------------------------------------------------------
BADGE_CACHE_SECONDS = 60 * 60
BADGE_KINDS = ("non-code", "mof", "contributions", "osaid")


@require_GET
def badge(request: HttpRequest, slug: str, kind: str) -> HttpResponse:
    """An SVG badge for a README. Cached per project, kind and rollup time, so a badge changes
    as soon as the project's statistics do and costs nothing in between."""
    if kind not in BADGE_KINDS:
        raise Http404("No such badge.")
    project = get_object_or_404(selectors.public_projects(), slug=slug)
    stats = stats_reader.project_stats(project.pk)
    stamp = stats.updated_at.isoformat() if stats.updated_at else "none"
    key = f"badge:{project.pk}:{kind}:{stamp}:{project.updated_at.isoformat()}"
    svg = cache.get(key)
    if svg is None:
        svg = badges.render_badge(_badge_for(project, stats, kind))
        cache.set(key, svg, BADGE_CACHE_SECONDS)
    response = HttpResponse(svg, content_type="image/svg+xml; charset=utf-8")
    response["Cache-Control"] = f"public, max-age={BADGE_CACHE_SECONDS // 12}"
    return response


def _badge_for(project, stats: stats_reader.ProjectStats, kind: str) -> badges.Badge:
    if kind == "non-code":
        return badges.non_code_badge(stats.non_code_share)
    if kind == "contributions":
        return badges.contributions_badge(stats.contributions if stats.updated_at else None)
    records = selectors.project_model_openness(selectors.compare_projects([project.slug])[0])
    if kind == "osaid":
        conforming = sum(1 for record in records if record.osaid_conforms)
        return badges.osaid_badge(conforming, len(records))
    classes = [record.strict.mof_class for record in records]
    qualified = [c for c in classes if c]
    return badges.mof_badge(min(qualified) if qualified else (0 if classes else None))


@require_GET
def badge_list(request: HttpRequest, slug: str) -> HttpResponse:
    """The badges of a project with the Markdown to paste into a README."""
    project = get_object_or_404(selectors.public_projects(), slug=slug)
    items = [
        {
            "kind": kind,
            "url": request.build_absolute_uri(reverse("badge", args=[project.slug, kind])),
            "path": reverse("badge", args=[project.slug, kind]),
        }
        for kind in BADGE_KINDS
    ]
    return render(
        request,
        "cartography/badge_list.html",
        {
            "project": project,
            "badges": items,
            "page_url": request.build_absolute_uri(project.get_absolute_url()),
        },
    )


# IMPORTS
# ------------------------------------------------------------------------------
FORM_OVERHEAD = 64 * 1024  # the other fields and the multipart framing


def _declared_length(request: HttpRequest) -> int:
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return 0


@login_required
@require_http_methods(["GET", "POST"])
def import_new(request: HttpRequest, slug: str) -> HttpResponse:
    """A maintainer uploads a credit list or a model card; the import runs as a background job."""
    project = get_object_or_404(projects_visible_to(request.user), slug=slug)
    if not project_permissions.can_import_into_project(request.user, project):
        raise PermissionDenied("Only this project's maintainers and staff import into it.")
    if request.method == "POST" and _declared_length(request) > MAX_IMPORT_BYTES + FORM_OVERHEAD:
        # Refused from the declared length, before Django reads the upload at all.
        return HttpResponse(
            f"That upload is too large: an import file is at most "
            f"{MAX_IMPORT_BYTES // (1024 * 1024)} MB.",
            status=HTTPStatus.REQUEST_ENTITY_TOO_LARGE,
            content_type="text/plain; charset=utf-8",
        )
    form = ImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            run = services.import_run_start(
                project=project,
                user=request.user,
                kind=form.cleaned_data["kind"],
                filename=form.cleaned_data["file"].name,
                content=form.cleaned_data["text"],
                source_url=form.cleaned_data["source_url"],
                confirmed_file_project=form.confirmed_name(),
            )
        except ValidationError as exc:
            mismatch = getattr(exc, "error_dict", {}).get("confirm_project_mismatch")
            if mismatch:
                form.show_project_mismatch(
                    project.name,
                    services.credit_list_named_project(project, form.cleaned_data["text"]),
                )
            for message in exc.messages:
                form.add_error(None, message)
        else:
            return redirect(run)
    runs = ImportRun.objects.filter(project=project).select_related("requested_by")[:20]
    return render(
        request,
        "cartography/importrun_form.html",
        {"project": project, "form": form, "runs": runs},
        # A refused upload is a client error (the form says why).
        status=HTTPStatus.BAD_REQUEST if request.method == "POST" else HTTPStatus.OK,
    )


@login_required
@require_GET
def import_run_detail(request: HttpRequest, pk: int) -> HttpResponse:
    run = get_object_or_404(ImportRun.objects.select_related("project", "requested_by"), pk=pk)
    if not project_permissions.can_import_into_project(request.user, run.project):
        raise Http404("No such import.")
    done, total = run.done, run.total
    if not run.finished:
        done, total = tasks.read_progress(run.pk) or (done, total)
    percent = int(100 * done / total) if total else run.percent
    report = run.report or {}
    shown = {}
    for key in ("problems", "notes"):
        # Bounded however the report was stored (runs from before the cap kept every line).
        lines, counted = cap_lines(report.get(key) or [])
        shown[key] = lines
        shown[f"{key}_more"] = max(report.get(f"{key}_total") or counted, counted) - len(lines)
    return render(
        request,
        "cartography/importrun_detail.html",
        {
            "run": run,
            "project": run.project,
            "report": report,
            **shown,
            "done": done,
            "total": total,
            "percent": percent,
            # Without in-process jobs a queued run waits for a worker: the page says so.
            "waits_for_worker": run.status == ImportRun.Status.QUEUED
            and not settings.CELERY_TASK_ALWAYS_EAGER,
        },
    )


# A compass-rose mark in the site's colours; browsers ask for /favicon.ico on every first visit,
# and a 404 there is a console error on every page.
FAVICON_SVG = (
    '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32">'
    '<circle cx="16" cy="16" r="15" fill="#0b5cad"/>'
    '<path d="M16 3l4 13-4 13-4-13z" fill="#fff"/>'
    '<path d="M3 16l13-4 13 4-13 4z" fill="#e6f0fa"/></svg>'
)


@require_GET
def favicon(request: HttpRequest) -> HttpResponse:
    response = HttpResponse(FAVICON_SVG, content_type="image/svg+xml")
    response["Cache-Control"] = "public, max-age=86400"
    return response


@require_GET
@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    """The process is up and serving."""
    return JsonResponse({"status": "ok"})


def _database_ok() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            return cursor.fetchone() == (1,)
    except Exception:
        logger.warning("readiness: database unreachable", exc_info=True)
        return False


def _broker_ok() -> bool:
    if not settings.CELERY_BROKER_URL:  # embedded default: jobs run in-process
        return True
    from cartography.celery import app

    try:
        with app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
        return True
    except Exception:
        logger.warning("readiness: broker unreachable", exc_info=True)
        return False


@require_GET
@never_cache
def readyz(request: HttpRequest) -> JsonResponse:
    """Ready to take traffic: the database and the broker answer."""
    checks = {"database": _database_ok(), "broker": _broker_ok()}
    ready = all(checks.values())
    return JsonResponse(
        {"status": "ok" if ready else "unavailable", "checks": checks}, status=200 if ready else 503
    )
