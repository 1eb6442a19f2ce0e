"""Country reference data: ISO 3166-1 countries with the continent each one is counted in.

The data lives in ``projects/data/countries.json`` (generated once from pycountry, continents
assigned by hand after the UN M49 geoscheme, debatable cases carrying a ``note``) so that loaders,
the map and the statistics agree on one assignment instead of each deriving its own.
"""

import json
from functools import lru_cache
from pathlib import Path

COUNTRIES_FILE = Path(__file__).resolve().parent / "data" / "countries.json"


@lru_cache(maxsize=1)
def _countries() -> tuple[dict, ...]:
    with COUNTRIES_FILE.open(encoding="utf-8") as handle:
        return tuple(json.load(handle)["countries"])


@lru_cache(maxsize=1)
def _by_alpha2() -> dict[str, dict]:
    return {row["alpha_2"]: row for row in _countries()}


@lru_cache(maxsize=1)
def _by_numeric() -> dict[str, dict]:
    return {row["numeric"]: row for row in _countries()}


def load_countries() -> list[dict]:
    """Every ISO 3166-1 country, ordered by alpha-2 code.

    Each dict has ``alpha_2``, ``alpha_3``, ``numeric`` (three digits, as a string), ``name`` (the
    common short name, e.g. "Bolivia"), ``iso_name`` (the ISO short name), ``continent`` (a
    ``projects.choices.Continent`` value) and, for debatable assignments, a ``note``. Copies are
    returned so callers cannot corrupt the cached data.
    """
    return [dict(row) for row in _countries()]


def continent_of(alpha2: str) -> str:
    """The continent code of a country; ``KeyError`` for a code that is not ISO 3166-1 alpha-2."""
    try:
        return _by_alpha2()[alpha2.upper()]["continent"]
    except KeyError:
        raise KeyError(f"Unknown ISO 3166-1 alpha-2 code: {alpha2!r}") from None


def country_by_numeric(numeric: str) -> dict | None:
    """The country with an ISO 3166-1 numeric code ("276" or "76"), or None."""
    return _by_numeric().get(str(numeric).zfill(3))


def country_by_alpha2(alpha2: str) -> dict | None:
    """The country with an ISO 3166-1 alpha-2 code (any case), or None."""
    return _by_alpha2().get(alpha2.upper())
