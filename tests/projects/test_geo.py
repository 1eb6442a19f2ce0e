"""Country reference data: every ISO 3166-1 country, each in exactly one valid continent."""

import json
from collections import Counter

import pycountry
import pytest

from projects.choices import Continent
from projects.geo import (
    COUNTRIES_FILE,
    continent_of,
    country_by_alpha2,
    country_by_numeric,
    load_countries,
)


def test_every_pycountry_country_is_listed_once_with_its_codes():
    rows = load_countries()
    by_code = Counter(row["alpha_2"] for row in rows)
    assert max(by_code.values()) == 1
    expected = {c.alpha_2: c for c in pycountry.countries}
    assert set(by_code) == set(expected)
    for row in rows:
        iso = expected[row["alpha_2"]]
        assert (row["alpha_3"], row["numeric"], row["iso_name"]) == (
            iso.alpha_3,
            iso.numeric,
            iso.name,
        )


def test_every_country_has_exactly_one_valid_continent():
    # Read the file directly: a duplicated or missing key must not hide behind the loader.
    raw = json.loads(COUNTRIES_FILE.read_text(encoding="utf-8"))["countries"]
    valid = set(Continent.values)
    for row in raw:
        assert isinstance(row["continent"], str)
        assert row["continent"] in valid, row
    for country in pycountry.countries:
        assert continent_of(country.alpha_2) in valid


def test_every_continent_is_used():
    assert {row["continent"] for row in load_countries()} == set(Continent.values)


@pytest.mark.parametrize(
    ("alpha2", "continent"),
    [
        ("RU", "EU"),  # transcontinental, UN M49 Eastern Europe
        ("TR", "AS"),
        ("EG", "AF"),
        ("PA", "NA"),
        ("GL", "NA"),
        ("CY", "AS"),
        ("JM", "NA"),  # the Caribbean counts in North America
        ("TT", "NA"),
        ("MX", "NA"),
        ("BR", "SA"),
        ("FK", "SA"),
        ("AU", "OC"),
        ("PG", "OC"),
        ("ID", "AS"),
        ("KZ", "AS"),
        ("GE", "AS"),
        ("NG", "AF"),
        ("PL", "EU"),
        ("NO", "EU"),
        ("SG", "AS"),
        ("AQ", "AN"),
    ],
)
def test_continent_assignments(alpha2, continent):
    assert continent_of(alpha2) == continent
    assert continent_of(alpha2.lower()) == continent


def test_debatable_assignments_carry_a_note():
    notes = {row["alpha_2"] for row in load_countries() if row.get("note")}
    assert {"CY", "RU", "TR", "EG"} <= notes


def test_unknown_code_raises():
    with pytest.raises(KeyError):
        continent_of("XK")
    assert country_by_alpha2("XX") is None


def test_lookups_by_numeric_pad_the_code():
    assert country_by_numeric("76")["alpha_2"] == "BR"
    assert country_by_numeric("076")["alpha_2"] == "BR"
    assert country_by_numeric("999") is None


def test_load_countries_returns_copies():
    first = load_countries()
    first[0]["continent"] = "??"
    assert load_countries()[0]["continent"] != "??"
