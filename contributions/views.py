"""Pages of the ledger: logging and editing contributions, their public pages with history,
contributor profiles, and moderation (the queue, decisions, bulk approval).

Every write calls contributions.services, every permission question goes to
contributions.permissions; an entry a caller may not see answers 404. State changes only on POST.
"""

import datetime as dt

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from contributions import permissions, selectors, services, stats_reader
from contributions.choices import (
    TRANSITIONS,
    ContributionStatus,
    ContributionType,
    ModerationAction,
    moderation_actions_from,
)
from contributions.filters import ContributionFilterSet, ContributorFilterSet
from contributions.forms import (
    BulkApproveForm,
    ContributionForm,
    ModerationForm,
    ProjectChoiceForm,
    QueueFilterForm,
    ResubmitForm,
    WithdrawForm,
)
from contributions.models import CONTENT_FIELDS, Contribution
from contributions.pagination import cursor_page
from core.forms import add_service_errors
from projects.models import Project

S = ContributionStatus
A = ModerationAction
PAGE_SIZE = 50
# Parameters of the contribution list that page or order it without filtering it.
UNFILTERED_PARAMS = frozenset({"cursor", "page_size", "ordering"})
MODERATION_SERVICES = {
    A.APPROVE: services.contribution_approve,
    A.REJECT: services.contribution_reject,
    A.REQUEST_CHANGES: services.contribution_request_changes,
    A.REVOKE: services.contribution_revoke,
}
# How each moderator's button looks (presentation only; which buttons show is the status machine's).
BUTTON_STYLES = {A.APPROVE: "button-primary", A.REQUEST_CHANGES: "button-secondary"}


def _page(request: HttpRequest, queryset, size: int = PAGE_SIZE):
    return Paginator(queryset, size).get_page(request.GET.get("page"))


def _query_without_page(request: HttpRequest) -> str:
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


def _visible_contribution(request: HttpRequest, pk: int) -> Contribution:
    """The entry if the caller may see it (selectors.contributions_visible_to), else 404."""
    return get_object_or_404(selectors.contribution_detail_queryset(request.user), pk=pk)


# LISTS
# ------------------------------------------------------------------------------
@require_http_methods(["GET"])
def contribution_list(request: HttpRequest) -> HttpResponse:
    """The public ledger: approved entries unless a status filter asks for what the caller may
    also see (their own, their projects')."""
    queryset = selectors.contribution_list(request.user)
    if not request.GET.getlist("status"):
        queryset = queryset.filter(status=S.APPROVED)
    filterset = ContributionFilterSet(request.GET or None, queryset=queryset)
    # Paged by cursor: no count over the ledger, and a deep page costs what the first does. The
    # unfiltered list says how many entries it holds, from the statistics rollups.
    filtered = any(key not in UNFILTERED_PARAMS for key in request.GET)
    return render(
        request,
        "contributions/contribution_list.html",
        {
            "filter": filterset,
            "page": cursor_page(request, filterset.qs),
            "total": None if filtered else stats_reader.approved_total(),
            "types": ContributionType.choices,
        },
    )


@login_required
@require_http_methods(["GET"])
def my_contributions(request: HttpRequest) -> HttpResponse:
    """The contributor's own entries in every status."""
    contributor = services.contributor_for_user(user=request.user)
    queryset = selectors.contribution_list(request.user).filter(contributor=contributor)
    filterset = ContributionFilterSet(request.GET or None, queryset=queryset)
    return render(
        request,
        "contributions/contribution_mine.html",
        {
            "filter": filterset,
            "page": _page(request, filterset.qs),
            "query": _query_without_page(request),
            "statuses": S.choices,
        },
    )


# LOGGING AND EDITING
# ------------------------------------------------------------------------------
@login_required
@require_http_methods(["GET", "POST"])
def contribution_create(request: HttpRequest) -> HttpResponse:
    initial = {}
    if request.GET.get("type") in ContributionType.values:
        initial["type"] = request.GET["type"]
    if request.method == "GET":
        # The form offers the chosen project's artifacts only, so the project comes first: from
        # the project page's link (?project=slug), or chosen here.
        chooser = ProjectChoiceForm(request.GET if "project" in request.GET else None)
        if not chooser.is_valid():
            return render(
                request,
                "contributions/contribution_choose_project.html",
                {"chooser": chooser, "type": initial.get("type", "")},
            )
        initial["project"] = chooser.cleaned_data["project"]
    form = ContributionForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            contribution = services.contribution_submit(
                user=request.user,
                project=form.cleaned_data["project"],
                languages=form.cleaned_data["languages"],
                **form.content(),
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(
                request,
                "Your contribution is logged. A maintainer of the project reviews it; "
                + _submission_mail_sentence(request.user),
            )
            return redirect(contribution)
    return render(request, "contributions/contribution_form.html", {"form": form})


def _initial_from(contribution: Contribution) -> dict:
    initial = {name: getattr(contribution, name) for name in CONTENT_FIELDS}
    initial["languages"] = list(contribution.languages.all())
    return initial


@login_required
@require_http_methods(["GET", "POST"])
def contribution_edit(request: HttpRequest, pk: int) -> HttpResponse:
    contribution = _visible_contribution(request, pk)
    if permissions.can_resubmit(request.user, contribution):
        return redirect("contributions:contribution_resubmit", pk=contribution.pk)
    if not permissions.can_edit(request.user, contribution):
        raise PermissionDenied("You cannot edit this contribution now.")
    form = ContributionForm(
        request.POST or None,
        initial=_initial_from(contribution),
        project=contribution.project,
        fixed_project=True,
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.contribution_update(
                contribution=contribution,
                user=request.user,
                languages=form.cleaned_data["languages"],
                **form.content(),
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, "The contribution is saved.")
            return redirect(contribution)
    return render(
        request,
        "contributions/contribution_form.html",
        {"form": form, "contribution": contribution},
    )


@login_required
@require_http_methods(["GET", "POST"])
def contribution_resubmit(request: HttpRequest, pk: int) -> HttpResponse:
    """The contributor answers a request for changes; the entry goes back to pending."""
    contribution = _visible_contribution(request, pk)
    if not permissions.is_own(request.user, contribution):
        raise PermissionDenied("Only its contributor answers a request for changes.")
    if not permissions.can_resubmit(request.user, contribution):
        messages.info(request, "This entry is not waiting for changes.")
        return redirect(contribution)
    form = ResubmitForm(
        request.POST or None,
        initial=_initial_from(contribution),
        project=contribution.project,
        fixed_project=True,
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.contribution_resubmit(
                contribution=contribution,
                user=request.user,
                note=form.cleaned_data["note"],
                languages=form.cleaned_data["languages"],
                **form.content(),
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, "Thank you: the entry is back with the maintainers.")
            return redirect(contribution)
    request_event = (
        contribution.events.filter(to_status=S.CHANGES_REQUESTED).order_by("-at", "-id").first()
    )
    return render(
        request,
        "contributions/contribution_resubmit.html",
        {"form": form, "contribution": contribution, "request_event": request_event},
    )


@login_required
@require_POST
def contribution_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    contribution = _visible_contribution(request, pk)
    form = WithdrawForm(request.POST)
    note = form.cleaned_data["note"] if form.is_valid() else ""
    try:
        services.contribution_withdraw(contribution=contribution, user=request.user, note=note)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, "The entry is withdrawn.")
    return redirect(contribution)


# THE ENTRY'S PAGE AND ITS MODERATION
# ------------------------------------------------------------------------------
def _detail_context(request: HttpRequest, contribution: Contribution, form=None) -> dict:
    user = request.user
    actions = moderation_actions_from(contribution.status)
    moderatable = bool(actions)
    history = list(selectors.contribution_history(contribution))
    # The request being answered, shown beside the "changes requested" banner.
    change_request = None
    if contribution.status == S.CHANGES_REQUESTED:
        change_request = next(
            (e for e in reversed(history) if e.to_status == S.CHANGES_REQUESTED), None
        )
    return {
        "contribution": contribution,
        "history": history,
        "change_request": change_request,
        "is_own": permissions.is_own(user, contribution),
        "can_edit": permissions.can_edit(user, contribution),
        "can_withdraw": permissions.can_withdraw(user, contribution),
        "can_resubmit": permissions.can_resubmit(user, contribution),
        "can_moderate": moderatable and permissions.can_moderate(user, contribution),
        "own_and_maintainer": moderatable
        and permissions.is_own(user, contribution)
        and permissions.can_moderate_project(user, contribution),
        "moderation_form": form or ModerationForm(),
        "moderation_actions": [
            (action, A(action).label, BUTTON_STYLES.get(action, "button-danger"))
            for action in actions
        ],
    }


@require_http_methods(["GET"])
def contribution_detail(request: HttpRequest, pk: int) -> HttpResponse:
    contribution = _visible_contribution(request, pk)
    return render(
        request,
        "contributions/contribution_detail.html",
        _detail_context(request, contribution),
    )


@login_required
@require_POST
def contribution_moderate(request: HttpRequest, pk: int) -> HttpResponse:
    contribution = _visible_contribution(request, pk)
    form = ModerationForm(request.POST)
    if not form.is_valid():
        context = _detail_context(request, contribution, form)
        return render(request, "contributions/contribution_detail.html", context, status=400)
    action = form.cleaned_data["action"]
    try:
        MODERATION_SERVICES[action](
            contribution=contribution, moderator=request.user, note=form.cleaned_data["note"]
        )
    except services.TransitionNotAllowed as exc:
        # Includes ModerationConflict: "Already decided by X: this entry is now approved."
        messages.error(request, " ".join(exc.messages))
    except ValidationError as exc:
        add_service_errors(form, exc)
        context = _detail_context(request, contribution, form)
        return render(request, "contributions/contribution_detail.html", context, status=400)
    else:
        messages.success(
            request, f"The entry is {TRANSITIONS[action].done}. {_mail_sentence(contribution)}"
        )
    if request.POST.get("next") == "queue":
        return redirect("contributions:moderation_queue")
    return redirect("contributions:contribution_detail", pk=contribution.pk)


def _submission_mail_sentence(user) -> str:
    """What a contributor will hear of the decision, truthfully (as `_mail_sentence`)."""
    if not user.email:
        return "your account has no e-mail address, so this page, not a mail, shows the decision."
    if settings.CELERY_TASK_ALWAYS_EAGER:
        return "you get a mail when they decide."
    return (
        "a mail about their decision is queued for you, and goes out when a background worker "
        "runs the jobs."
    )


def _mail_sentence(contribution: Contribution) -> str:
    """What happens to the contributor's mail, truthfully: sent now when jobs run in-process,
    queued when they wait for a worker, none without an address."""
    user = contribution.contributor.user
    if user is None or not user.email:
        return "The contributor has no e-mail address on file, so no mail is sent."
    if settings.CELERY_TASK_ALWAYS_EAGER:
        return "A mail tells the contributor."
    return (
        "A mail to the contributor is queued: it goes out when a background worker runs the jobs."
    )


# MODERATION QUEUE
# ------------------------------------------------------------------------------
def _moderated_projects(user):
    if user.is_staff:
        return Project.objects.filter(contributions__status=S.PENDING).distinct().order_by("name")
    return Project.objects.filter(maintainerships__user=user).order_by("name")


@login_required
@require_http_methods(["GET"])
def moderation_queue(request: HttpRequest) -> HttpResponse:
    """Pending entries of the user's projects, oldest first, filtered by project, type, age."""
    user = request.user
    if not permissions.can_moderate_some_project(user):
        raise PermissionDenied("The moderation queue is for project maintainers.")
    filterset = ContributionFilterSet(
        request.GET or None, queryset=selectors.moderation_queue(user)
    )
    queryset = filterset.qs
    age_form = QueueFilterForm(request.GET or None)
    if age_form.is_valid() and age_form.cleaned_data["older_than"]:
        days = int(age_form.cleaned_data["older_than"])
        queryset = queryset.filter(created_at__lte=timezone.now() - dt.timedelta(days=days))
    return render(
        request,
        "contributions/contribution_queue.html",
        {
            "filter": filterset,
            "age_form": age_form,
            "page": _page(request, queryset),
            "query": _query_without_page(request),
            "projects": _moderated_projects(user),
            "types": ContributionType.choices,
            "selected_project": request.GET.get("project", ""),
            "selected_type": request.GET.get("type", ""),
        },
    )


@login_required
@require_POST
def bulk_approve(request: HttpRequest) -> HttpResponse:
    """Approve the queue's selection. The permission is checked before anything is read, and an
    id the caller does not moderate gets the same answer as one that does not exist."""
    if not permissions.can_moderate_some_project(request.user):
        raise PermissionDenied("Bulk approval is for project maintainers and staff.")
    form = BulkApproveForm(request.POST)
    if not form.is_valid():
        for message in form.non_field_errors():
            messages.error(request, message)
        return redirect("contributions:moderation_queue")
    outcomes = services.contribution_bulk_approve(
        contribution_ids=form.selected, moderator=request.user, note=form.cleaned_data["note"]
    )
    approved = [pk for pk, outcome in outcomes.items() if outcome == "approved"]
    refused = {pk: outcome for pk, outcome in outcomes.items() if outcome != "approved"}
    if approved:
        messages.success(
            request, f"Approved {len(approved)} entr{'y' if len(approved) == 1 else 'ies'}."
        )
    for pk, reason in refused.items():
        messages.error(request, f"Entry #{pk} was not approved: {reason}")
    return redirect("contributions:moderation_queue")


# CONTRIBUTORS
# ------------------------------------------------------------------------------
@require_http_methods(["GET"])
def contributor_list(request: HttpRequest) -> HttpResponse:
    filterset = ContributorFilterSet(request.GET or None, queryset=selectors.public_contributors())
    return render(
        request,
        "contributions/contributor_list.html",
        {
            "filter": filterset,
            "page": _page(request, filterset.qs),
            "query": _query_without_page(request),
        },
    )


@require_http_methods(["GET"])
def contributor_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """Public profiles for everyone; a private one only for its owner and staff."""
    contributor = get_object_or_404(selectors.contributors_visible_to(request.user), pk=pk)
    own = permissions.is_own_profile(request.user, contributor)
    approved = selectors.contributor_credits(contributor)
    return render(
        request,
        "contributions/contributor_detail.html",
        {
            "contributor": contributor,
            "own": own,
            "page": _page(request, approved),
            "query": _query_without_page(request),
        },
    )
