"""The web side of repository sources: a project's list (and the form to add one), a source's
page with its syncs and progress, and the maintainer's actions (sync, remove, hide an entry)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from contributions import stats_reader
from contributions.choices import ContributionSource
from contributions.models import Contribution
from contributions.selectors import contributions_visible_to
from core.forms import add_service_errors
from projects.selectors import projects_visible_to
from repositories import permissions, selectors, services
from repositories.forms import HideForm, RepositorySourceForm

RECENT_SYNCS = 20


@require_http_methods(["GET", "POST"])
def source_list(request: HttpRequest, slug: str) -> HttpResponse:
    project = get_object_or_404(projects_visible_to(request.user), slug=slug)
    can_manage = permissions.can_manage_sources(request.user, project)
    form = RepositorySourceForm(request.POST or None)
    if request.method == "POST":
        if not can_manage:
            raise PermissionDenied("Only this project's maintainers and staff add repositories.")
        if form.is_valid():
            try:
                source = services.repository_source_add(
                    project=project, user=request.user, **form.cleaned_data
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                services.repository_sync_request(source=source, user=request.user)
                messages.success(request, f"{source.label} was added; its first sync is queued.")
                return redirect(source)
    sources = selectors.sources_visible_to(request.user).filter(project=project)
    return render(
        request,
        "repositories/repositorysource_list.html",
        {
            "project": project,
            "sources": sources,
            "form": form if can_manage else None,
            "can_manage": can_manage,
            "stats": stats_reader.project_stats(project.pk),
            "by_source": stats_reader.project_sources(project.pk),
        },
        status=400 if request.method == "POST" else 200,
    )


@require_http_methods(["GET"])
def source_detail(request: HttpRequest, pk: int) -> HttpResponse:
    source = get_object_or_404(selectors.sources_visible_to(request.user), pk=pk)
    cells = (
        selectors.cells_of_source(source)
        .filter(pk__in=contributions_visible_to(request.user).values("pk"))
        .select_related("contributor")
        .order_by("-occurred_on", "type", "id")[:200]
    )
    latest = source.recent_syncs[0] if source.recent_syncs else None
    return render(
        request,
        "repositories/repositorysource_detail.html",
        {
            "source": source,
            "project": source.project,
            "syncs": source.recent_syncs[:RECENT_SYNCS],
            "latest": latest,
            "cells": cells,
            "can_manage": permissions.can_manage_sources(request.user, source.project),
            "hide_form": HideForm(),
        },
    )


@login_required
@require_POST
def source_sync(request: HttpRequest, pk: int) -> HttpResponse:
    source = get_object_or_404(selectors.sources_visible_to(request.user), pk=pk)
    services.repository_sync_request(source=source, user=request.user)
    messages.success(request, "A sync is queued; this page shows its progress.")
    return redirect(source)


@login_required
@require_POST
def source_remove(request: HttpRequest, pk: int) -> HttpResponse:
    source = get_object_or_404(selectors.sources_visible_to(request.user), pk=pk)
    project = source.project
    services.repository_source_remove(source=source, user=request.user)
    messages.success(request, "The repository was removed; the credit read from it is withdrawn.")
    return redirect("repositories:source_list", slug=project.slug)


def _repository_entry(request: HttpRequest, pk: int) -> Contribution:
    entry = (
        contributions_visible_to(request.user)
        .filter(pk=pk, source=ContributionSource.REPOSITORY)
        .select_related("project")
        .first()
    )
    if entry is None:
        raise Http404
    return entry


@login_required
@require_POST
def work_hide(request: HttpRequest, pk: int) -> HttpResponse:
    entry = _repository_entry(request, pk)
    form = HideForm(request.POST)
    if form.is_valid():
        try:
            services.repository_work_hide(
                contribution=entry, user=request.user, **form.cleaned_data
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, "The entry is hidden and no longer counted.")
    else:
        messages.error(request, "Say why this entry is wrongly attributed.")
    return redirect(entry.get_absolute_url())


@login_required
@require_POST
def work_unhide(request: HttpRequest, pk: int) -> HttpResponse:
    entry = _repository_entry(request, pk)
    try:
        services.repository_work_unhide(contribution=entry, user=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, "The entry is shown and counted again.")
    return redirect(entry.get_absolute_url())
