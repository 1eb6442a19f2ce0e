"""Cursor pagination of the contribution list.

Contributions are the one list that grows without bound and is read deep (exports, sync jobs):
a cursor keeps page N as cheap as page 1 and stable while entries are inserted. The smaller lists
keep limit/offset (core.pagination), which clients find simpler and which gives a total count.
"""

import datetime as dt

from django.db.models import F, Value
from django.db.models.functions import Coalesce
from rest_framework import pagination
from rest_framework.exceptions import NotFound, ValidationError

from core.pagination import MAX_PAGE_SIZE


class ContributionCursorPagination(pagination.CursorPagination):
    """Cursor over the list's ordering. `ordering` takes the FilterSet's names (created, date,
    title, with `-` for descending); the id is the tie-breaker, so the order is total."""

    page_size = 50
    page_size_query_param = "limit"
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
            queryset = queryset.annotate(
                occurred_sort=Coalesce(F("occurred_on"), Value(dt.date(1, 1, 1)))
            )
        return super().paginate_queryset(queryset, request, view)
