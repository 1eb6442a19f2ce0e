"""CHAOSS metric definitions on hand-computed examples (docs/domain.md, "Health metrics")."""

import datetime as dt

import pytest

from contributions.stats import (
    absence_factor,
    active_contributors,
    elephant_factor,
    new_contributors_by_month,
)
from contributions.stats_reader import percent_text, share


@pytest.mark.parametrize(
    ("counts", "expected"),
    [
        ([], 0),
        ([0, 0], 0),
        ([7], 1),
        ([5, 3, 2], 1),  # 5 of 10 is exactly half: enough
        ([4, 3, 3], 2),  # 4 of 10 is short; 4 + 3 = 7 reaches 5
        ([3, 3, 2, 2], 2),
        ([2, 3, 3, 2], 2),  # order of the input does not matter
        ([1] * 10, 5),
        ([1] * 9, 5),  # 4 of 9 is short of half, 5 of 9 is past it
        ([10, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1], 1),
    ],
)
def test_absence_factor(counts, expected):
    assert absence_factor(counts) == expected


def test_elephant_factor_counts_organisations_over_affiliated_work():
    # 100 unaffiliated entries belong to no organisation; of the 5 affiliated, org 1 has 3.
    assert elephant_factor({None: 100, 1: 3, 2: 2}) == 1
    assert elephant_factor({1: 2, 2: 2, 3: 2, 4: 2}) == 2
    assert elephant_factor({1: 1, 2: 1, 3: 1}) == 2
    assert elephant_factor({None: 5}) is None
    assert elephant_factor({}) is None


def test_new_contributors_fall_in_the_month_of_their_first_contribution():
    first_days = {
        "a": dt.date(2024, 1, 15),
        "b": dt.date(2024, 1, 31),
        "c": dt.date(2024, 3, 1),
        "d": dt.date(2023, 12, 31),
    }
    assert new_contributors_by_month(first_days) == {"2023-12": 1, "2024-01": 2, "2024-03": 1}
    assert new_contributors_by_month({}) == {}


def test_active_contributors_in_the_last_30_and_90_days():
    today = dt.date(2025, 6, 30)
    last_days = {
        "today": today,
        "day 30": dt.date(2025, 6, 1),  # the 30th day back, today included
        "day 31": dt.date(2025, 5, 31),
        "day 90": dt.date(2025, 4, 2),
        "day 91": dt.date(2025, 4, 1),
        "future": dt.date(2025, 7, 1),  # dated after today: not "in the last 30 days"
    }
    assert active_contributors(last_days, today=today, days=30) == 2
    assert active_contributors(last_days, today=today, days=90) == 4


def test_share():
    assert share(7, 8) == 0.875
    assert share(1, 3) == 0.3333
    assert share(0, 0) is None


def test_a_share_becomes_a_percent_only_as_text():
    assert percent_text(0.875) == "88%"
    assert percent_text(0.3333) == "33%"
    assert percent_text(1) == "100%"
    assert percent_text(0) == "0%"
    assert percent_text(None) == "\u2013"
