"""Pagination of API lists: one size parameter, `page_size`, on every list, bounded.

Every list reads `page_size` (1 to MAX_PAGE_SIZE, DEFAULT_PAGE_SIZE when absent); anything else is
a 400 naming the parameter, never a silent cap or a silent default. Two schemes move through a list:

- the lists that stay small (projects, organisations, artifacts, licences, languages, contributors,
  repository sources, openness) page with `offset` and give `count`, the total (`OffsetPagination`);
- contributions, the one list that grows without bound and is read deep, page with an opaque
  `cursor` and give no `count`: counting the ledger costs more the longer it grows
  (contributions.pagination).

`limit`, the size parameter of an earlier version, is refused with a message naming `page_size`,
so that an old client learns of the change instead of silently receiving 50 rows.
"""

from rest_framework import pagination
from rest_framework.exceptions import ValidationError

MAX_PAGE_SIZE = 200
DEFAULT_PAGE_SIZE = 50
PAGE_SIZE_PARAM = "page_size"

PAGE_SIZE_DESCRIPTION = (
    f"Results per page, a whole number from 1 to {MAX_PAGE_SIZE} (default {DEFAULT_PAGE_SIZE}); "
    f"anything else is answered 400."
)


def requested_page_size(request) -> int:
    """The page size the request asks for, checked: 400 for a bad value, never a silent cap."""
    if "limit" in request.query_params:
        raise ValidationError(
            {"limit": [f"Unknown parameter: the page size is `{PAGE_SIZE_PARAM}`."]}
        )
    raw = request.query_params.get(PAGE_SIZE_PARAM)
    if raw is None:
        return DEFAULT_PAGE_SIZE
    try:
        size = int(raw.strip())
    except ValueError:
        size = 0
    if not 1 <= size <= MAX_PAGE_SIZE:
        raise ValidationError(
            {PAGE_SIZE_PARAM: [f"Give a whole number from 1 to {MAX_PAGE_SIZE}; got {raw!r}."]}
        )
    return size


def bounded_in_schema(parameters: list[dict]) -> list[dict]:
    """The schema states the bounds of `page_size`, as the validation applies them."""
    for parameter in parameters:
        if parameter["name"] == PAGE_SIZE_PARAM:
            parameter["schema"] = {
                "type": "integer",
                "minimum": 1,
                "maximum": MAX_PAGE_SIZE,
                "default": DEFAULT_PAGE_SIZE,
            }
    return parameters


class OffsetPagination(pagination.LimitOffsetPagination):
    """`page_size` and `offset`; the response gives `count`, `next`, `previous`, `results`."""

    default_limit = DEFAULT_PAGE_SIZE
    limit_query_param = PAGE_SIZE_PARAM
    limit_query_description = PAGE_SIZE_DESCRIPTION
    offset_query_description = "How many results to skip: follow `next` and `previous`."
    max_limit = MAX_PAGE_SIZE

    def get_limit(self, request):
        return requested_page_size(request)

    def get_schema_operation_parameters(self, view):
        return bounded_in_schema(super().get_schema_operation_parameters(view))
