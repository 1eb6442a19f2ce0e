"""Bases of the FilterSets every app declares (each shared by its HTML list and its API)."""

import django_filters as filters
from django import forms
from django.db.models import Q


class IdFilter(filters.NumberFilter):
    """A row id: a whole number in the database's range. A plain NumberFilter passes any decimal
    (1e308) to the database, which overflows and answers 500; this answers 400 instead."""

    field_class = forms.IntegerField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", 2**63 - 1)
        super().__init__(*args, **kwargs)


class SearchFilterSet(filters.FilterSet):
    """`q` searches the fields named in `search_fields`."""

    search_fields: tuple[str, ...] = ()
    q = filters.CharFilter(method="search", label="Search")

    def search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        condition = Q()
        for field in self.search_fields:
            condition |= Q(**{f"{field}__icontains": value})
        return queryset.filter(condition)
