"""Cursor pagination of the contribution list, in the API and on the web page.

Contributions are the one list that grows without bound and is read deep (exports, sync jobs):
a cursor keeps page N as cheap as page 1 and stable while entries are inserted, and the response
has no `count` (counting the ledger costs more the longer it grows). The size is `page_size`, as
on every list, with the same bounds (core.pagination); the smaller lists page with an offset and
give a count. The web list (`cursor_page`) pages with the API's own cursor, so both take the same
`cursor`, `page_size` and `ordering` parameters.
"""

from dataclasses import dataclass
from urllib.parse import urlsplit

from django.core.exceptions import BadRequest
from rest_framework import pagination
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.request import Request

from contributions.models import OCCURRED_SORT
from core.pagination import (
    DEFAULT_PAGE_SIZE,
    MAX_PAGE_SIZE,
    PAGE_SIZE_DESCRIPTION,
    PAGE_SIZE_PARAM,
    bounded_in_schema,
    requested_page_size,
)


class ContributionCursorPagination(pagination.CursorPagination):
    """Cursor over the list's ordering. `ordering` takes the FilterSet's names (created, date,
    title, with `-` for descending); the id is the tie-breaker, so the order is total."""

    page_size = DEFAULT_PAGE_SIZE
    page_size_query_param = PAGE_SIZE_PARAM
    page_size_query_description = PAGE_SIZE_DESCRIPTION
    cursor_query_description = (
        "Where the page starts: follow `next` and `previous` as given. The list has no `count`."
    )
    max_page_size = MAX_PAGE_SIZE
    ordering = ("-created_at", "-id")
    # Public ordering name -> (model field, the expression the cursor compares). An entry without a
    # date sorts as the earliest: a cursor cannot step over NULLs, so they get a sentinel instead.
    ORDERINGS = {"created": "created_at", "date": "occurred_on", "title": "title"}

    def get_ordering(self, request, queryset, view):
        raw = request.query_params.get("ordering", "")
        if not raw:
            return self.ordering
        first = raw.split(",")[0].strip()
        descending = first.startswith("-")
        field = self.ORDERINGS.get(first.lstrip("-"))
        if field is None:
            raise ValidationError({"ordering": [f"Order by one of: {', '.join(self.ORDERINGS)}."]})
        if field == "occurred_on":
            field = "occurred_sort"
        sign = "-" if descending else ""
        return (f"{sign}{field}", f"{sign}id")

    def get_page_size(self, request):
        return requested_page_size(request)

    def get_schema_operation_parameters(self, view):
        return bounded_in_schema(super().get_schema_operation_parameters(view))

    def decode_cursor(self, request):
        # DRF answers a malformed cursor with 404; it is bad input, so 400 naming the parameter.
        try:
            return super().decode_cursor(request)
        except NotFound:
            raise ValidationError(
                {"cursor": ["Invalid cursor: use the `next` or `previous` link as given."]}
            ) from None

    def paginate_queryset(self, queryset, request, view=None):
        if "occurred_sort" in "".join(self.get_ordering(request, queryset, view)):
            queryset = queryset.annotate(occurred_sort=OCCURRED_SORT)
        return super().paginate_queryset(queryset, request, view)


@dataclass(frozen=True)
class CursorPage:
    """One page of a web list: its rows and the links to the pages around it (path and query)."""

    object_list: list
    next_url: str | None
    previous_url: str | None

    def __iter__(self):
        return iter(self.object_list)

    def __len__(self) -> int:
        return len(self.object_list)


def _local(url: str | None) -> str | None:
    if url is None:
        return None
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}" if parts.query else parts.path


def cursor_page(request, queryset) -> CursorPage:
    """The page of `queryset` the request's cursor points at (the first without one)."""
    paginator = ContributionCursorPagination()
    try:
        rows = paginator.paginate_queryset(queryset, Request(request))
    except ValidationError as exc:
        raise BadRequest(" ".join(str(m) for ms in exc.detail.values() for m in ms)) from None
    return CursorPage(
        object_list=list(rows),
        next_url=_local(paginator.get_next_link()),
        previous_url=_local(paginator.get_previous_link()),
    )
