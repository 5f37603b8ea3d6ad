"""The fast path for ``POST /api/v1/metrics/``: the points of a push checked a column at a time.

DRF's nested ``MetricBatchSerializer`` validated 50,000 fields one by one for a 10,000-point
push: about 2 s of a 2.3 s request (BENCHMARKS.md). Here the envelope is checked in Python and
each column's distinct values are checked once (campaign codes, dates and metrics repeat a lot);
the points become the frame that ``services.facts.load_frame`` validates against the database.

The serializers stay the contract (and the OpenAPI schema): a request whose envelope is wrong
goes through ``MetricBatchSerializer`` (which fails before looking at any point), and a point
that the column checks do not accept as plainly valid goes through ``PointSerializer`` on its
own, so every error keeps the exact field, code and message DRF gives. Only those points are
serialized; a valid push serializes none.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

import numpy as np
import pandas as pd
from rest_framework.exceptions import ValidationError

from .serializers import MAX_POINTS, MetricBatchSerializer, PointSerializer

_MISSING = object()
_BAD = object()
DATE_FORMAT = "%Y-%m-%d"  # PointSerializer.date's only input format


def _text(max_length: int) -> Callable[[Any], Any]:
    """What ``CharField(max_length=…)`` accepts without question: a str that is not blank after
    trimming, within the length, without NUL or surrogate characters; anything else is _BAD
    (for the serializer to judge, e.g. numbers, which it turns into strings)."""

    def clean(value: Any) -> Any:
        if type(value) is not str:
            return _BAD
        text = value.strip()
        if not text or len(text) > max_length or "\x00" in text:
            return _BAD
        if any("\ud800" <= ch <= "\udfff" for ch in text):
            return _BAD
        return text

    return clean


def _day(value: Any) -> Any:
    if type(value) is not str:
        return _BAD
    try:
        return datetime.strptime(value, DATE_FORMAT).date()
    except ValueError:
        return _BAD


def _number(value: Any) -> Any:
    if type(value) is float:
        return value if math.isfinite(value) else _BAD
    if type(value) is int:
        try:
            number = float(value)
        except OverflowError:
            return _BAD
        return number
    return _BAD


FIELDS: dict[str, Callable[[Any], Any]] = {
    "campaign": _text(64),
    "date": _day,
    "metric": _text(40),
    "value": _number,
    "source": _text(32),
}


def _column(points: list[Any], name: str) -> tuple[list[Any], np.ndarray]:
    """The cleaned values of one field and a mask of the points to hand to the serializer.

    Each distinct value is checked once. The usual column (all strings, or all numbers for the
    value) is mapped through a dict of its distinct values; anything else point by point, with
    unhashable values (lists, objects) simply bad."""
    check = FIELDS[name]
    default = "api" if name == "source" else _MISSING
    raw = [p.get(name, default) for p in points]
    types = {type(v) for v in raw}
    if types == {str} or (name == "value" and types <= {int, float}):
        seen = {v: check(v) for v in set(raw)}  # one type (or int/float: same number, same key)
        out = [seen[v] for v in raw]
        if any(v is _BAD for v in seen.values()):
            return out, np.fromiter((v is _BAD for v in out), dtype=bool, count=len(out))
        return out, np.zeros(len(out), dtype=bool)
    cache: dict[tuple[type, Any], Any] = {}
    out = []
    bad = np.zeros(len(points), dtype=bool)
    for i, value in enumerate(raw):
        try:
            key = (type(value), value)
            cleaned = cache[key] if key in cache else cache.setdefault(key, check(value))
        except TypeError:  # unhashable
            cleaned = _BAD
        if cleaned is _BAD:
            bad[i] = True
        out.append(cleaned)
    return out, bad


def points_from_request(data: Any) -> pd.DataFrame:
    """The pushed points as the frame ``load_frame`` takes (campaign, date, metric, value,
    source, index), or ValidationError in the contract's shape (``points[N].field``)."""
    points = data.get("points") if isinstance(data, Mapping) else None
    if not isinstance(points, list) or not points or len(points) > MAX_POINTS:
        envelope = MetricBatchSerializer(data=data)  # the envelope's own error
        envelope.is_valid(raise_exception=True)
        points = envelope.validated_data["points"]  # pragma: no cover - rejected above
    not_objects = np.array([not isinstance(p, Mapping) for p in points], dtype=bool)
    columns: dict[str, list[Any]] = {}
    bad = not_objects.copy()
    safe = [p if isinstance(p, Mapping) else {} for p in points]
    for name in FIELDS:
        columns[name], column_bad = _column(safe, name)
        bad |= column_bad
    if bad.any():
        errors: dict[Any, Any] = {}  # position -> that point's errors, as DRF's list gives
        for i in np.flatnonzero(bad):
            serializer = PointSerializer(data=points[i])
            if serializer.is_valid():  # the column check was only cautious: take DRF's values
                for name, value in serializer.validated_data.items():
                    columns[name][i] = value
            else:
                errors[int(i)] = serializer.errors
        if errors:
            raise ValidationError({"points": errors})
    return pd.DataFrame(
        {
            "campaign": pd.Series(columns["campaign"], dtype=object),
            "date": pd.Series(columns["date"], dtype=object),
            "metric": pd.Series(columns["metric"], dtype=object),
            "value": pd.Series(columns["value"], dtype="float64"),
            "source": pd.Series([s or "api" for s in columns["source"]], dtype=object),
            "index": pd.Series(np.arange(len(points)), dtype="int64"),
        }
    )
