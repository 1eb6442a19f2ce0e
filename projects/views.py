"""Pages of the registry: the project list and page, proposing and reviewing projects, and a
maintainer's stewardship (governance, maintainers, artifacts and their openness components).

Every write calls projects.services; every permission question goes to projects.permissions.
Anything a caller may not see answers 404, as the API does.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from core.forms import add_service_errors
from projects import permissions, selectors, services
from projects.choices import ArtifactKind, ListingStatus, MOFComponent, Motivation
from projects.filters import ProjectFilterSet
from projects.forms import (
    ArtifactForm,
    ComponentFormSet,
    GovernanceForm,
    MaintainerAddForm,
    OrganisationRoleFormSet,
    ProjectProposalForm,
    ProjectReviewForm,
)
from projects.models import Artifact, GovernanceChange, Maintainership, Project

PAGE_SIZE = 25


def _visible_project(request: HttpRequest, slug: str, queryset=None) -> Project:
    queryset = queryset if queryset is not None else selectors.projects_visible_to(request.user)
    return get_object_or_404(queryset, slug=slug)


def _editable_project(request: HttpRequest, slug: str) -> Project:
    project = _visible_project(request, slug)
    if not permissions.can_edit_project(request.user, project):
        raise PermissionDenied("Only this project's maintainers and staff may do this.")
    return project


# PUBLIC PAGES
# ------------------------------------------------------------------------------
@require_http_methods(["GET"])
def project_list(request: HttpRequest) -> HttpResponse:
    filterset = ProjectFilterSet(request.GET or None, queryset=selectors.project_list(request.user))
    page = Paginator(filterset.qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "projects/project_list.html",
        {"filter": filterset, "page": page, "query": _query_without_page(request)},
    )


def _query_without_page(request: HttpRequest) -> str:
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


@require_http_methods(["GET"])
def project_detail(request: HttpRequest, slug: str) -> HttpResponse:
    project = _visible_project(request, slug, selectors.project_detail_queryset(request.user))
    history = GovernanceChange.objects.filter(project=project).select_related("changed_by")[:50]
    can_edit = permissions.can_edit_project(request.user, project)
    return render(
        request,
        "projects/project_detail.html",
        {
            "project": project,
            "history": history,
            "motivations": [
                Motivation(code).label for code in project.motivations if code in Motivation.values
            ],
            "can_edit": can_edit,
            "can_review": project.listing_status == ListingStatus.PENDING
            and permissions.can_review_project_proposal(request.user),
            "review_form": ProjectReviewForm(),
        },
    )


@require_http_methods(["GET"])
def artifact_detail(request: HttpRequest, slug: str) -> HttpResponse:
    artifact = get_object_or_404(
        selectors.artifacts_visible_to(request.user).prefetch_related("components__licence"),
        slug=slug,
    )
    return render(
        request,
        "projects/artifact_detail.html",
        {
            "artifact": artifact,
            "project": artifact.project,
            "components": artifact.components.all(),
            "can_edit": permissions.can_manage_artifacts(request.user, artifact.project),
        },
    )


# PROPOSING AND REVIEWING
# ------------------------------------------------------------------------------
@login_required
@require_http_methods(["GET", "POST"])
def project_propose(request: HttpRequest) -> HttpResponse:
    form = ProjectProposalForm(request.POST or None)
    organisations = OrganisationRoleFormSet(request.POST or None, prefix="org")
    if request.method == "POST" and form.is_valid() and organisations.is_valid():
        data = form.cleaned_data
        links = {
            name: data[name]
            for name in (
                "website",
                "code_url",
                "model_hub_url",
                "forum_url",
                "code_of_conduct_url",
                "contribution_agreement",
            )
        }
        rows = [row for row in organisations.cleaned_data if row.get("role")]
        roles = [(row["organisation"], row["role"]) for row in rows if row.get("organisation")]
        new_roles = [
            (row["new_name"], row["new_kind"], row["role"])
            for row in rows
            if row.get("new_name") and not row.get("organisation")
        ]
        try:
            project = services.project_propose(
                proposer=request.user,
                name=data["name"],
                slug=data["slug"],
                summary=data["summary"],
                governance_model=data["governance_model"],
                motivations=data["motivations"],
                countries=data["countries"],
                languages=data["languages"],
                organisations=roles,
                new_organisations=new_roles,
                **links,
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(
                request,
                f"Thank you: {project.name} is proposed. Staff review it before it is listed; "
                "you become its first maintainer when it is.",
            )
            return redirect(project)
    return render(
        request,
        "projects/project_propose.html",
        {"form": form, "organisations": organisations},
    )


@login_required
@require_http_methods(["GET"])
def proposal_list(request: HttpRequest) -> HttpResponse:
    if not permissions.can_review_project_proposal(request.user):
        raise PermissionDenied("Only staff review project proposals.")
    proposals = (
        Project.objects.filter(listing_status=ListingStatus.PENDING)
        .select_related("proposed_by")
        .order_by("created_at", "id")
    )
    page = Paginator(proposals, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "projects/project_proposals.html", {"page": page, "query": ""})


@login_required
@require_POST
def project_review(request: HttpRequest, slug: str) -> HttpResponse:
    project = _visible_project(request, slug)
    form = ProjectReviewForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose to list or decline the proposal.")
        return redirect(project)
    try:
        services.project_review(
            project=project,
            reviewer=request.user,
            approve=form.cleaned_data["decision"] == "approve",
            note=form.cleaned_data["note"],
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        project.refresh_from_db()
        if project.listing_status == ListingStatus.LISTED:
            messages.success(
                request,
                f"{project.name} is listed: it is on the map and takes contributions; its "
                "proposer maintains it.",
            )
        else:
            messages.success(request, f"The proposal of {project.name} is declined.")
    return redirect(project)


# STEWARDSHIP
# ------------------------------------------------------------------------------
@login_required
@require_http_methods(["GET", "POST"])
def project_edit(request: HttpRequest, slug: str) -> HttpResponse:
    project = _editable_project(request, slug)
    form = GovernanceForm(request.POST or None, instance=project)
    if request.method == "POST" and form.is_valid():
        try:
            changes = services.project_update_governance(
                project=project,
                editor=request.user,
                changes=form.governance_changes(),
                note=form.cleaned_data["note"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            if changes:
                messages.success(request, f"Saved {len(changes)} change(s) to the governance.")
            else:
                messages.info(request, "Nothing changed.")
            return redirect(project)
    return render(request, "projects/project_edit.html", {"form": form, "project": project})


@login_required
@require_http_methods(["GET", "POST"])
def maintainer_list(request: HttpRequest, slug: str) -> HttpResponse:
    project = _editable_project(request, slug)
    form = MaintainerAddForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.maintainer_add(
                project=project, user=form.cleaned_data["username"], added_by=request.user
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, f"{form.cleaned_data['username'].username} now maintains it.")
            return redirect("projects:maintainer_list", slug=project.slug)
    memberships = Maintainership.objects.filter(project=project).select_related("user", "added_by")
    return render(
        request,
        "projects/maintainership_list.html",
        {"project": project, "form": form, "memberships": memberships},
    )


@login_required
@require_POST
def maintainer_remove(request: HttpRequest, slug: str, user_id: int) -> HttpResponse:
    project = _editable_project(request, slug)
    membership = get_object_or_404(
        Maintainership.objects.select_related("user"), project=project, user_id=user_id
    )
    try:
        services.maintainer_remove(project=project, user=membership.user, removed_by=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, f"{membership.user.username} no longer maintains it.")
    if membership.user_id == request.user.pk and not request.user.is_staff:
        return redirect(project)
    return redirect("projects:maintainer_list", slug=project.slug)


def _artifact_form_page(
    request: HttpRequest, project: Project, artifact: Artifact | None
) -> HttpResponse:
    form = ArtifactForm(request.POST or None, instance=artifact, project=project)
    if request.method == "POST" and form.is_valid():
        try:
            saved = services.artifact_save(
                project=project,
                editor=request.user,
                artifact=artifact,
                languages=form.cleaned_data["languages"],
                **form.artifact_fields(),
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, f"{saved} is saved.")
            return redirect(saved)
    return render(
        request,
        "projects/artifact_form.html",
        {"form": form, "project": project, "artifact": artifact},
    )


@login_required
@require_http_methods(["GET", "POST"])
def artifact_create(request: HttpRequest, slug: str) -> HttpResponse:
    return _artifact_form_page(request, _editable_project(request, slug), None)


@login_required
@require_http_methods(["GET", "POST"])
def artifact_edit(request: HttpRequest, slug: str) -> HttpResponse:
    artifact = get_object_or_404(selectors.artifacts_visible_to(request.user), slug=slug)
    if not permissions.can_manage_artifacts(request.user, artifact.project):
        raise PermissionDenied("Only this project's maintainers and staff manage its artifacts.")
    return _artifact_form_page(request, artifact.project, artifact)


@login_required
@require_http_methods(["GET", "POST"])
def artifact_components(request: HttpRequest, slug: str) -> HttpResponse:
    artifact = get_object_or_404(selectors.artifacts_visible_to(request.user), slug=slug)
    if not permissions.can_manage_artifacts(request.user, artifact.project):
        raise PermissionDenied("Only this project's maintainers and staff manage its artifacts.")
    if artifact.kind != ArtifactKind.MODEL:
        raise Http404("Openness components are recorded for model releases only.")
    existing = {c.component: c for c in artifact.components.select_related("licence")}
    initial = [
        {
            "component": component.value,
            "released": component in existing and existing[component].released,
            "location": existing[component].location if component in existing else "",
            "licence": existing[component].licence if component in existing else None,
        }
        for component in MOFComponent
    ]
    formset = ComponentFormSet(request.POST or None, initial=initial, prefix="mof")
    labels = dict(MOFComponent.choices)
    rows = [(labels[form.initial["component"]], form) for form in formset.forms]
    if request.method == "POST" and formset.is_valid():
        try:
            services.artifact_set_components(
                artifact=artifact, editor=request.user, components=formset.cleaned_data
            )
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
        else:
            messages.success(request, "The openness components are saved.")
            return redirect(artifact)
    return render(
        request,
        "projects/artifactcomponent_form.html",
        {"artifact": artifact, "project": artifact.project, "formset": formset, "rows": rows},
    )
