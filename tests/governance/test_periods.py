"""Japanese fiscal periods (April start) and review periods, at their boundaries."""

import datetime as dt
import itertools

import pytest

from governance.periods import (
    fiscal_label,
    fiscal_period,
    fiscal_period_of,
    previous_period,
    review_period,
)

D = dt.date


@pytest.mark.parametrize(
    ("kind", "year", "index", "expected"),
    [
        ("fy", 2026, 1, (D(2026, 4, 1), D(2027, 3, 31))),
        ("half", 2026, 1, (D(2026, 4, 1), D(2026, 9, 30))),
        ("half", 2026, 2, (D(2026, 10, 1), D(2027, 3, 31))),
        ("quarter", 2026, 1, (D(2026, 4, 1), D(2026, 6, 30))),
        ("quarter", 2026, 3, (D(2026, 10, 1), D(2026, 12, 31))),
        ("quarter", 2026, 4, (D(2027, 1, 1), D(2027, 3, 31))),
        ("quarter", 2027, 4, (D(2028, 1, 1), D(2028, 3, 31))),  # FY2027 Q4 ends before a leap day
    ],
)
def test_fiscal_period_starts_in_april(kind, year, index, expected):
    assert fiscal_period(kind, year, index) == expected


@pytest.mark.parametrize(
    ("day", "fy", "quarter", "half"),
    [
        (D(2026, 3, 31), 2025, 4, 2),  # the last day of FY2025
        (D(2026, 4, 1), 2026, 1, 1),  # the first day of FY2026
        (D(2026, 9, 30), 2026, 2, 1),
        (D(2026, 10, 1), 2026, 3, 2),
        (D(2026, 12, 31), 2026, 3, 2),
        (D(2027, 1, 1), 2026, 4, 2),  # a new calendar year is still FY2026
    ],
)
def test_period_of_a_day_at_the_boundaries(day, fy, quarter, half):
    assert fiscal_period_of("fy", day) == (fy, 1)
    assert fiscal_period_of("quarter", day) == (fy, quarter)
    assert fiscal_period_of("half", day) == (fy, half)
    start, end = fiscal_period("quarter", fy, quarter)
    assert start <= day <= end


def test_every_day_of_a_fiscal_year_is_in_exactly_one_quarter():
    start, end = fiscal_period("fy", 2026)
    quarters = [fiscal_period("quarter", 2026, i) for i in range(1, 5)]
    assert quarters[0][0] == start and quarters[-1][1] == end
    for (_s1, e1), (s2, _e2) in itertools.pairwise(quarters):
        assert s2 == e1 + dt.timedelta(days=1)


@pytest.mark.parametrize(("kind", "index"), [("half", 3), ("quarter", 0), ("quarter", 5)])
def test_a_period_that_does_not_exist_is_refused(kind, index):
    with pytest.raises(ValueError):
        fiscal_period(kind, 2026, index)


def test_fiscal_year_start_month_is_configurable(settings):
    settings.FISCAL_YEAR_START_MONTH = 1
    assert fiscal_period("fy", 2026) == (D(2026, 1, 1), D(2026, 12, 31))
    assert fiscal_period_of("quarter", D(2026, 4, 1)) == (2026, 2)


def test_labels():
    assert fiscal_label("fy", 2026) == "FY2026"
    assert fiscal_label("quarter", 2026, 3) == "FY2026 Q3"


def test_review_periods_start_on_monday():
    assert review_period("weekly", D(2026, 11, 16)) == (D(2026, 11, 16), D(2026, 11, 22))
    assert review_period("weekly", D(2026, 11, 22)) == (D(2026, 11, 16), D(2026, 11, 22))
    assert review_period("biweekly", D(2026, 11, 18)) == (D(2026, 11, 9), D(2026, 11, 22))
    assert review_period("monthly", D(2026, 2, 10)) == (D(2026, 2, 1), D(2026, 2, 28))


def test_previous_period_has_the_same_shape():
    assert previous_period(D(2026, 11, 16), D(2026, 11, 22)) == (D(2026, 11, 9), D(2026, 11, 15))
    assert previous_period(D(2026, 3, 1), D(2026, 3, 31)) == (D(2026, 2, 1), D(2026, 2, 28))
    assert previous_period(D(2026, 4, 1), D(2026, 6, 30)) == (D(2026, 1, 1), D(2026, 3, 31))
