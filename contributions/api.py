"""API of the ledger: contributors, contributions (logging, editing, moderating), and the exports
(CSV of any contributions list, a project's `.all-contributorsrc`, the public snapshot).

Objects are looked up in what the caller may see (`contributions.selectors`), so anything else is
a 404; the role checks below come from `contributions.permissions` and run before the service, so
a caller without the role learns nothing from validation; the service re-checks under its lock.
"""

from __future__ import annotations

import csv
import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import urlsplit

from django.contrib.auth.models import AnonymousUser
from django.db.models import Min
from django.http import StreamingHttpResponse
from django.shortcuts import get_object_or_404
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from contributions import permissions, selectors, services, stats_reader
from contributions.choices import ContributionSource, ContributionStatus
from contributions.filters import ContributionFilterSet, ContributorFilterSet
from contributions.importers.allcontributors import export_allcontributorsrc
from contributions.models import Contribution, Contributor
from contributions.pagination import ContributionCursorPagination
from contributions.serializers import (
    AllContributorsFileSerializer,
    ContributionCreateSerializer,
    ContributionSerializer,
    ContributionUpdateSerializer,
    ContributorSerializer,
    NoteSerializer,
    SnapshotSerializer,
)
from core.api_errors import Conflict
from core.serializers import API_URL
from projects import selectors as project_selectors
from projects.models import Language, Licence, Organisation

MODERATION_DENIED = (
    "Only this project's maintainers and staff moderate its entries, never their own."
)
OWN_ONLY = "Only its contributor can do this."


class ContributorViewSet(viewsets.ReadOnlyModelViewSet):
    """Public contributor profiles, by username. Private profiles are not listed (their entries
    are credited by name only)."""

    serializer_class = ContributorSerializer
    filterset_class = ContributorFilterSet
    lookup_field = "user__username"
    lookup_url_kwarg = "username"
    lookup_value_regex = r"[\w.@+-]+"

    def get_queryset(self):
        return selectors.public_contributors()


def _moderation_schema(summary: str, note: str):
    return extend_schema(
        summary=summary,
        description=note,
        request=NoteSerializer,
        responses={200: ContributionSerializer},
    )


@extend_schema_view(
    create=extend_schema(
        summary="Log a contribution",
        description="Logged as the authenticated user; it waits as pending for a maintainer.",
        request=ContributionCreateSerializer,
        responses={201: ContributionSerializer},
    ),
    partial_update=extend_schema(
        summary="Edit a contribution",
        description=(
            "Its contributor while it is pending or asked for changes; the project's maintainers "
            "and staff to correct it."
        ),
        request=ContributionUpdateSerializer,
        responses={200: ContributionSerializer},
    ),
)
class ContributionViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Contributions of every kind: approved ones for everyone; the caller's own, their projects'
    (as maintainer) and all (as staff) besides. Cursor-paginated."""

    serializer_class = ContributionSerializer
    filterset_class = ContributionFilterSet
    pagination_class = ContributionCursorPagination
    lookup_value_regex = r"[0-9]+"
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self):
        return selectors.contribution_list(self.request.user).select_related("contributor__user")

    def _respond(self, contribution: Contribution, code: int = status.HTTP_200_OK) -> Response:
        fresh = self.get_queryset().get(pk=contribution.pk)
        return Response(self.get_serializer(fresh).data, status=code)

    def create(self, request, *args, **kwargs):
        serializer = ContributionCreateSerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        contribution = services.contribution_submit(
            user=request.user,
            languages=data.pop("languages", []),
            source=ContributionSource.API,
            **data,
        )
        return self._respond(contribution, status.HTTP_201_CREATED)

    def partial_update(self, request, *args, **kwargs):
        contribution = self.get_object()
        user = request.user
        if not (
            permissions.is_own(user, contribution)
            or permissions.can_moderate_project(user, contribution)
        ):
            raise PermissionDenied(
                "Only its contributor, the project's maintainers and staff edit it."
            )
        if not permissions.can_edit(user, contribution):
            raise Conflict(
                f"This entry is {contribution.get_status_display().lower()}: it can no longer "
                "be edited.",
                code="transition",
            )
        serializer = ContributionUpdateSerializer(
            contribution, data=request.data, partial=True, context={"request": request}
        )
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        services.contribution_update(
            contribution=contribution, user=user, languages=data.pop("languages", None), **data
        )
        return self._respond(contribution)

    # STATUS CHANGES: the role is checked here (403), the transition by the service (409).
    # --------------------------------------------------------------------------
    def _note(self, request) -> str:
        serializer = NoteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        return serializer.validated_data["note"]

    def _moderate(self, request, service) -> Response:
        contribution = self.get_object()
        if not permissions.can_moderate(request.user, contribution):
            raise PermissionDenied(MODERATION_DENIED)
        note = self._note(request)
        service(contribution=contribution, moderator=request.user, note=note)
        return self._respond(contribution)

    def _own(self, request, service) -> Response:
        contribution = self.get_object()
        if not permissions.is_own(request.user, contribution):
            raise PermissionDenied(OWN_ONLY)
        note = self._note(request)
        service(contribution=contribution, user=request.user, note=note)
        return self._respond(contribution)

    @_moderation_schema("Approve", "A pending entry becomes approved and counts in statistics.")
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        return self._moderate(request, services.contribution_approve)

    @_moderation_schema("Reject", "A pending entry is rejected; the note is required.")
    @action(detail=True, methods=["post"])
    def reject(self, request, pk=None):
        return self._moderate(request, services.contribution_reject)

    @_moderation_schema(
        "Request changes", "A pending entry goes back to its contributor; the note is required."
    )
    @action(detail=True, methods=["post"], url_path="request-changes")
    def request_changes(self, request, pk=None):
        return self._moderate(request, services.contribution_request_changes)

    @_moderation_schema("Revoke", "Take back an approval (the entry becomes rejected).")
    @action(detail=True, methods=["post"])
    def revoke(self, request, pk=None):
        return self._moderate(request, services.contribution_revoke)

    @_moderation_schema("Withdraw", "Its contributor withdraws a pending entry.")
    @action(detail=True, methods=["post"])
    def withdraw(self, request, pk=None):
        return self._own(request, services.contribution_withdraw)

    @_moderation_schema("Resubmit", "Its contributor sends an entry asked for changes back.")
    @action(detail=True, methods=["post"])
    def resubmit(self, request, pk=None):
        return self._own(request, services.contribution_resubmit)

    # CSV EXPORT
    # --------------------------------------------------------------------------
    @extend_schema(
        summary="Export a contributions list as CSV",
        description="The same filters as the list, every matching entry, streamed.",
        filters=True,
        responses={(200, "text/csv"): OpenApiResponse(OpenApiTypes.STR, description="CSV")},
    )
    @action(detail=False, methods=["get"], url_path="csv", pagination_class=None)
    def csv(self, request):
        queryset = self.filter_queryset(self.get_queryset())
        response = StreamingHttpResponse(_csv_rows(queryset), content_type="text/csv")
        stamp = timezone.now().strftime("%Y%m%d-%H%M%S")
        response["Content-Disposition"] = f'attachment; filename="contributions-{stamp}.csv"'
        return response

    def perform_content_negotiation(self, request, force=False):
        # The CSV export answers text/csv itself; its errors still render as JSON.
        return super().perform_content_negotiation(request, force=force or self.action == "csv")


# The CSV has the API's columns (ContributionSerializer) but its own link, flattened for a
# spreadsheet: a related row by its slug (the contributor by name, as on every page), a list as
# space-separated values, a date or time in ISO 8601.
CSV_COLUMNS = [name for name in ContributionSerializer.Meta.fields if name != API_URL]
_CSV_FLAT: dict[str, Callable[[Contribution], Any]] = {
    "project": lambda c: c.project.slug,
    "artifact": lambda c: c.artifact.slug if c.artifact else "",
    "contributor": lambda c: c.contributor.display_name,
    "evidence_urls": lambda c: " ".join(c.evidence_urls or []),
    "languages": lambda c: " ".join(language.code for language in c.languages.all()),
    "affiliation": lambda c: c.affiliation.slug if c.affiliation else "",
}
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _cell(value) -> str:
    """Every cell is defused: a spreadsheet would run a cell starting with `=`, `+`, `-` or `@`
    as a formula (OWASP's CSV injection advice: prefix a quote)."""
    if value is None:
        text = ""
    elif isinstance(value, dt.date):  # datetimes too
        text = value.isoformat()
    else:
        text = str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def _csv_row(contribution: Contribution) -> list[str]:
    return [
        _cell(_CSV_FLAT[name](contribution) if name in _CSV_FLAT else getattr(contribution, name))
        for name in CSV_COLUMNS
    ]


class _Echo:
    def write(self, value: str) -> str:
        return value


def _csv_rows(queryset) -> Iterator[str]:
    writer = csv.writer(_Echo())
    yield writer.writerow(CSV_COLUMNS)
    # Chunks keep memory flat however long the list; prefetching works per chunk.
    for contribution in queryset.iterator(chunk_size=500):
        yield writer.writerow(_csv_row(contribution))


# ALL CONTRIBUTORS EXPORT
# ------------------------------------------------------------------------------
def _credit_rows(project) -> list[tuple[str, str, str, str, list[str]]]:
    """One row per contributor with an approved entry, in order of their first approved entry.

    The login is the GitHub handle where the profile is public and has one, since the file's
    tooling links logins to GitHub; otherwise the entry has no login at all (an invented one
    would point at somebody else's account) and the person is credited by name only, as
    everywhere else on the platform.
    """
    approved = Contribution.objects.filter(project=project, status=ContributionStatus.APPROVED)
    types: dict[int, list[str]] = defaultdict(list)
    for contributor_id, type_ in (
        approved.values_list("contributor_id", "type").distinct().order_by("contributor_id", "type")
    ):
        types[contributor_id].append(type_)
    first_seen = dict(
        approved.values("contributor_id")
        .annotate(first=Min("created_at"))
        .values_list("contributor_id", "first")
    )
    contributors = Contributor.objects.filter(pk__in=types).order_by("pk")
    rows = []
    for contributor in sorted(contributors, key=lambda c: (first_seen[c.pk], c.pk)):
        if permissions.has_public_profile(contributor) and contributor.github:
            login = contributor.github
            profile = f"https://github.com/{login}"
            avatar = f"https://github.com/{login}.png"
        else:
            login, profile, avatar = "", "", ""
        rows.append((login, contributor.display_name, avatar, profile, types[contributor.pk]))
    return rows


class AllContributorsView(APIView):
    """GET a project's `.all-contributorsrc`: its approved contributors, each type mapped to its
    All Contributors key (types without a key are declared as custom types in the file)."""

    permission_classes = [AllowAny]

    @extend_schema(
        operation_id="projects_all_contributors",
        summary="The project's .all-contributorsrc",
        responses={200: AllContributorsFileSerializer},
    )
    def get(self, request, slug: str):
        project = get_object_or_404(project_selectors.projects_visible_to(request.user), slug=slug)
        code_url = project.code_url or ""
        repo = [part for part in urlsplit(code_url).path.split("/") if part]
        name = repo[1] if len(repo) >= 2 else project.slug
        document = export_allcontributorsrc(name, code_url, _credit_rows(project))
        return Response(document)


# SNAPSHOT
# ------------------------------------------------------------------------------
class SnapshotView(APIView):
    """GET the whole public cartography in one JSON document, for open-data use: every listed or
    archived project with its governance, organisations, artifacts and approved-contribution
    counts, and the organisations, licences and languages. What anonymous visitors see, whoever
    asks, so one snapshot is the same for everyone."""

    permission_classes = [AllowAny]

    @extend_schema(operation_id="snapshot", responses={200: SnapshotSerializer})
    def get(self, request):
        public = AnonymousUser()
        projects = list(
            project_selectors.project_list(public).prefetch_related(
                "artifacts__languages",
                "artifacts__components__licence",
                "artifacts__licence",
                "artifacts__derived_from",
            )
        )
        # The counts come from the statistics rollups, never the ledger: a snapshot costs the
        # same however many contributions there are.
        stats = stats_reader.stats_by_project([p.pk for p in projects])
        for project in projects:
            project.approved_contributions = stats[project.pk].by_type
            project.contributor_count = stats[project.pk].contributors
        data = {
            "generated_at": timezone.now(),
            "projects": projects,
            "organisations": Organisation.objects.listed()
            .select_related("country")
            .order_by("name", "id"),
            "licences": Licence.objects.order_by("identifier", "id"),
            "languages": Language.objects.order_by("name", "code"),
        }
        return Response(SnapshotSerializer(data, context={"request": request}).data)
