"""Fiscal periods and review periods.

Japanese fiscal years start in April by default (``settings.FISCAL_YEAR_START_MONTH``):
fiscal year 2026 (2026年度) runs from 2026-04-01 to 2027-03-31; its first half is April–September
and its fourth quarter January–March 2027. Weeks start on Monday.
"""

from __future__ import annotations

import datetime

from dateutil.relativedelta import relativedelta
from django.conf import settings

from .models import Cadence, PeriodKind

MONTHS_PER = {PeriodKind.FISCAL_YEAR: 12, PeriodKind.HALF: 6, PeriodKind.QUARTER: 3}
COUNT_PER_YEAR = {PeriodKind.FISCAL_YEAR: 1, PeriodKind.HALF: 2, PeriodKind.QUARTER: 4}


def start_month() -> int:
    return int(getattr(settings, "FISCAL_YEAR_START_MONTH", 4))


def fiscal_period(
    kind: str, fiscal_year: int, index: int = 1
) -> tuple[datetime.date, datetime.date]:
    """First and last day of period ``index`` (1-based) of ``kind`` in ``fiscal_year``."""
    kind = PeriodKind(kind)
    if not 1 <= index <= COUNT_PER_YEAR[kind]:
        raise ValueError(f"{kind} index must be 1..{COUNT_PER_YEAR[kind]}, not {index}")
    months = MONTHS_PER[kind]
    start = datetime.date(fiscal_year, start_month(), 1) + relativedelta(
        months=months * (index - 1)
    )
    end = start + relativedelta(months=months) - datetime.timedelta(days=1)
    return start, end


def fiscal_year_of(day: datetime.date) -> int:
    return day.year if day.month >= start_month() else day.year - 1


def fiscal_period_of(kind: str, day: datetime.date) -> tuple[int, int]:
    """(fiscal year, index) of the period of ``kind`` that contains ``day``."""
    kind = PeriodKind(kind)
    year = fiscal_year_of(day)
    months_in = (day.year - year) * 12 + day.month - start_month()
    return year, months_in // MONTHS_PER[kind] + 1


def fiscal_label(kind: str, fiscal_year: int, index: int = 1) -> str:
    kind = PeriodKind(kind)
    if kind == PeriodKind.FISCAL_YEAR:
        return f"FY{fiscal_year}"
    prefix = "H" if kind == PeriodKind.HALF else "Q"
    return f"FY{fiscal_year} {prefix}{index}"


def week_of(day: datetime.date) -> tuple[datetime.date, datetime.date]:
    monday = day - datetime.timedelta(days=day.weekday())
    return monday, monday + datetime.timedelta(days=6)


def review_period(cadence: str, day: datetime.date) -> tuple[datetime.date, datetime.date]:
    """The review period of ``cadence`` that contains ``day``.

    Weekly: Monday–Sunday. Every two weeks: the week before this one and this one. Monthly: the
    calendar month.
    """
    if cadence == Cadence.MONTHLY:
        start = day.replace(day=1)
        return start, start + relativedelta(months=1) - datetime.timedelta(days=1)
    start, end = week_of(day)
    if cadence == Cadence.BIWEEKLY:
        start -= datetime.timedelta(days=7)
    return start, end


def previous_period(
    start: datetime.date, end: datetime.date
) -> tuple[datetime.date, datetime.date]:
    """The period of the same shape just before: the previous month for whole months."""
    if start.day == 1 and (end + datetime.timedelta(days=1)).day == 1:
        months = (end.year - start.year) * 12 + end.month - start.month + 1
        prev_start = start - relativedelta(months=months)
        return prev_start, start - datetime.timedelta(days=1)
    length = (end - start).days + 1
    return start - datetime.timedelta(days=length), start - datetime.timedelta(days=1)
