"""Loading the seeded cartography fast enough to do it in many tests.

`load_cartography()` spends most of its time parsing the seed YAML and building the ISO 639-3
language table (about 7,900 rows) from pycountry. Neither changes within a run, so the first load
keeps both and later loads reuse them (the languages inserted with one statement); everything
else in the seed loads the normal way, through the loader under test.
"""

import pytest
from django.db import connection

from projects import seed
from projects.models import Language
from projects.reference import LoadReport

_cache: dict = {}


def _bulk_languages() -> LoadReport:
    rows = _cache["languages"]
    with connection.cursor() as cursor:
        cursor.executemany(
            f"INSERT INTO {Language._meta.db_table} (code, name, resource_level) "  # noqa: S608
            "VALUES (%s, %s, %s)",
            rows,
        )
    return LoadReport(created=len(rows))


def load(monkeypatch, *, reference_only: bool = False) -> None:
    if "languages" in _cache:
        monkeypatch.setattr(seed, "load_languages_table", _bulk_languages)
    data = _cache.setdefault("seed", seed.read_seed())
    if reference_only:
        seed.load_reference_data(data)
    else:
        seed.load_cartography(data)
    if "languages" not in _cache:
        _cache["languages"] = list(Language.objects.values_list("code", "name", "resource_level"))


@pytest.fixture
def seeded(db, monkeypatch):
    load(monkeypatch)


@pytest.fixture
def reference_data(db, monkeypatch):
    load(monkeypatch, reference_only=True)
