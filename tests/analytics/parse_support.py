"""Helpers for the loader's parsing tests (tests/analytics/test_parse_*.py)."""

from __future__ import annotations

import datetime as dt

from analytics.loader import ParsedFile

D = dt.date


def csv_bytes(text: str, encoding: str = "utf-8") -> bytes:
    return text.encode(encoding)


def fact(p: ParsedFile, metric: str, day: dt.date, campaign: str | None = None) -> float:
    f = p.facts
    sel = f[(f["metric"] == metric) & (f["date"] == day)]
    if campaign is not None:
        sel = sel[sel["campaign"] == campaign]
    assert len(sel) == 1, sel
    return float(sel["value"].iloc[0])


def messages(p: ParsedFile) -> list[tuple[int | None, str | None, str]]:
    return [(e.row, e.column, e.message) for e in p.errors]
