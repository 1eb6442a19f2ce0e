"""Pagination of API lists: limit/offset with a ceiling, the default of every list.

The lists that grow without bound and are read deep page by cursor instead, with the same ceiling
(contributions.pagination). Limit/offset is simpler for clients and gives a total count.
"""

from rest_framework import pagination

MAX_PAGE_SIZE = 200


class LimitOffsetPagination(pagination.LimitOffsetPagination):
    default_limit = 50
    max_limit = MAX_PAGE_SIZE
