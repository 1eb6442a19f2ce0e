"""Bulk writes: COPY on PostgreSQL, batched inserts on SQLite; never a row at a time.

`insert_rows` writes model instances that have not been saved. With `ignore_conflicts`, rows that
would break a unique constraint are skipped (PostgreSQL: COPY into a temporary table, then one
INSERT ... ON CONFLICT DO NOTHING). Instances get no primary key back unless the caller asks for
`with_ids`: then ids are taken from the table's sequence first and set on the instances.
`write_rows` takes plain rows instead of instances (values as COPY's text input takes them: JSON
as text), for a writer that makes millions of rows (the demo-data generator), where building model
instances would cost more than the COPY itself. Must run inside the caller's transaction.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from enum import Enum
from itertools import islice

from django.db import DEFAULT_DB_ALIAS, connection, connections, models

SQLITE_BATCH = 500


def _plain(value):
    return value.value if isinstance(value, Enum) else value


def _converters(fields: list[models.Field], *, adding: bool):
    """One function per column turning an instance into the value COPY writes. Plain values go
    as they are; only fields that need it go through Django's preparation (JSON, auto dates),
    which costs a hundred times more per value."""
    real = connections[DEFAULT_DB_ALIAS]  # the proxy `connection` resolves itself on each use
    converters = []
    for field in fields:
        automatic = getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False)
        if adding and automatic:
            converters.append(lambda obj, f=field: f.get_db_prep_save(f.pre_save(obj, True), real))
        elif isinstance(field, models.JSONField):
            converters.append(
                lambda obj, f=field: f.get_db_prep_save(getattr(obj, f.attname), real)
            )
        elif field.choices:  # a TextChoices member goes as its value
            converters.append(lambda obj, name=field.attname: _plain(getattr(obj, name)))
        else:
            converters.append(lambda obj, name=field.attname: getattr(obj, name))
    return converters


def _columns(model: type[models.Model]) -> list[models.Field]:
    return [
        f
        for f in model._meta.concrete_fields
        if not (f.primary_key and isinstance(f, models.AutoField | models.BigAutoField))
    ]


def allocate_ids(model: type[models.Model], count: int) -> list[int]:
    """`count` fresh primary keys from the table's own sequence (PostgreSQL)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
            [model._meta.db_table, model._meta.pk.column, count],
        )
        return [row[0] for row in cursor.fetchall()]


def write_rows(model: type[models.Model], columns: Sequence[str], rows: Iterable[Sequence]) -> None:
    """Plain rows (values in the order of `columns`, the fields' column names) into `model`'s
    table, streamed: COPY on PostgreSQL (the server stores one part while the caller makes the
    next), bulk_create elsewhere."""
    by_column = {f.column: f for f in model._meta.concrete_fields}
    fields = [by_column[column] for column in columns]
    if connection.vendor == "postgresql":
        _copy(model, fields, rows, ignore_conflicts=False)
        return
    convert = [_python_value(f) for f in fields]
    names = [f.attname for f in fields]
    rows = iter(rows)
    while batch := list(islice(rows, SQLITE_BATCH)):
        model.objects.bulk_create(
            [
                model(**{n: c(v) for n, c, v in zip(names, convert, row, strict=True)})
                for row in batch
            ]
        )


def _python_value(field: models.Field):
    if isinstance(field, models.JSONField):
        return lambda value: json.loads(value) if isinstance(value, str) else value
    return field.to_python


def insert_rows(
    model: type[models.Model],
    objs: Sequence[models.Model],
    *,
    ignore_conflicts: bool = False,
    with_ids: bool = False,
) -> None:
    if not objs:
        return
    if connection.vendor != "postgresql":
        model.objects.bulk_create(objs, batch_size=SQLITE_BATCH, ignore_conflicts=ignore_conflicts)
        return
    fields = _columns(model)
    if with_ids:
        for obj, pk in zip(objs, allocate_ids(model, len(objs)), strict=True):
            obj.pk = pk
        fields = [model._meta.pk, *fields]
    converters = _converters(fields, adding=True)
    # Values first: reading a deferred field queries, which cannot happen while COPY runs.
    rows = [[convert(obj) for convert in converters] for obj in objs]
    _copy(model, fields, rows, ignore_conflicts=ignore_conflicts)
    for obj in objs:
        obj._state.adding, obj._state.db = False, DEFAULT_DB_ALIAS


def insert_like(
    template: models.Model,
    varying: Sequence[str],
    rows: Sequence[Sequence],
    *,
    with_ids: bool = False,
) -> list[int]:
    """Insert rows equal to the unsaved `template` except in the `varying` fields (attnames),
    whose values each row gives in that order. For large writes: no model instance per row (on
    PostgreSQL the template's values are prepared once and each row is a list copied from them).
    With `with_ids`, returns the new rows' ids in order (on PostgreSQL taken from the table's
    sequence first); otherwise an empty list."""
    if not rows:
        return []
    model = type(template)
    fields = _columns(model)
    names = [f.attname for f in fields]
    positions = [names.index(name) for name in varying]
    if connection.vendor != "postgresql":
        base = {name: getattr(template, name) for name in names}
        objs = [model(**{**base, **dict(zip(varying, row, strict=True))}) for row in rows]
        model.objects.bulk_create(objs, batch_size=SQLITE_BATCH)
        return [obj.pk for obj in objs] if with_ids else []
    real = connections[DEFAULT_DB_ALIAS]
    by_name = {f.attname: f for f in fields}
    base = [convert(template) for convert in _converters(fields, adding=True)]
    # Each column: (True, its index in a given row) or (False, the template's value);
    # only JSON and choices columns go through a conversion. A row is then one comprehension.
    plan: list[tuple[bool, object]] = [(False, value) for value in base]
    for row_index, index in enumerate(positions):
        plan[index] = (True, row_index)
    conversions = []
    for row_index, name in enumerate(varying):
        field = by_name[name]
        if isinstance(field, models.JSONField):
            conversions.append((row_index, lambda value, f=field: f.get_db_prep_save(value, real)))
        elif field.choices:
            conversions.append((row_index, _plain))
    ids = allocate_ids(model, len(rows)) if with_ids else []
    if with_ids:
        fields = [model._meta.pk, *fields]
        plan = [(True, len(varying)), *plan]  # each row's id goes after its varying values

    def prepared():
        for index, row in enumerate(rows):
            if conversions or with_ids:
                row = list(row)
                for row_index, convert in conversions:
                    row[row_index] = convert(row[row_index])
                if with_ids:
                    row.append(ids[index])
            yield [row[value] if from_row else value for from_row, value in plan]

    _copy(model, fields, prepared(), ignore_conflicts=False)
    return ids


def _copy(model, fields, rows: Iterable[list], *, ignore_conflicts: bool) -> None:
    table = model._meta.db_table
    quote = connection.ops.quote_name
    columns = ", ".join(quote(f.column) for f in fields)
    with connection.cursor() as cursor:
        target = table
        if ignore_conflicts:
            target = f"bulk_{table}"[:63]
            cursor.execute(
                f"CREATE TEMPORARY TABLE IF NOT EXISTS {quote(target)} ON COMMIT DROP AS "  # noqa: S608
                f"SELECT {columns} FROM {quote(table)} WITH NO DATA"
            )
            cursor.execute(f"TRUNCATE {quote(target)}")
        with cursor.copy(f"COPY {quote(target)} ({columns}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        if ignore_conflicts:
            cursor.execute(
                f"INSERT INTO {quote(table)} ({columns}) "  # noqa: S608
                f"SELECT {columns} FROM {quote(target)} ON CONFLICT DO NOTHING"
            )


def update_rows(model: type[models.Model], objs: Sequence[models.Model], fields: list[str]) -> None:
    """Write `fields` of saved instances: on PostgreSQL one COPY into a temporary table and one
    UPDATE ... FROM it (Django's bulk_update builds a CASE per field and row, far slower at this
    size); elsewhere bulk_update. Must run inside the caller's transaction."""
    if not objs:
        return
    if connection.vendor != "postgresql":
        model.objects.bulk_update(objs, fields, batch_size=SQLITE_BATCH)
        return
    opts = model._meta
    targets = [opts.pk, *(opts.get_field(name) for name in fields)]
    quote = connection.ops.quote_name
    table = opts.db_table
    temp = f"bulk_update_{table}"[:63]
    columns = ", ".join(quote(f.column) for f in targets)
    assignments = ", ".join(f"{quote(f.column)} = t.{quote(f.column)}" for f in targets[1:])
    # Values first: reading a deferred field queries, which cannot happen while COPY runs.
    converters = _converters(targets, adding=False)
    rows = [[convert(obj) for convert in converters] for obj in objs]
    with connection.cursor() as cursor:
        cursor.execute(
            f"CREATE TEMPORARY TABLE IF NOT EXISTS {quote(temp)} ON COMMIT DROP AS "  # noqa: S608
            f"SELECT {columns} FROM {quote(table)} WITH NO DATA"
        )
        cursor.execute(f"TRUNCATE {quote(temp)}")
        with cursor.copy(f"COPY {quote(temp)} ({columns}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        cursor.execute(
            f"UPDATE {quote(table)} AS c SET {assignments} FROM {quote(temp)} AS t "  # noqa: S608
            f"WHERE c.{quote(opts.pk.column)} = t.{quote(opts.pk.column)}"
        )
