"""The fast path for ``POST /api/v1/metrics/``: the points of a push checked a column at a time.

DRF's nested ``MetricBatchSerializer`` validated 50,000 fields one by one for a 10,000-point
push: about 2 s of a 2.3 s request (BENCHMARKS.md). Here the envelope is checked in Python and
each column's distinct values are checked once (campaign codes, dates and metrics repeat a lot);
a column of plain numbers becomes a float array in one step. The points become the frame that
``services.facts.load_frame`` validates against the database.

The serializers stay the contract (and the OpenAPI schema): a request whose envelope is wrong
goes through ``MetricBatchSerializer`` (which fails before looking at any point), and a point
that the column checks do not accept as plainly valid goes through ``PointSerializer`` on its
own, so every error keeps the exact field, code and message DRF gives. Only those points are
serialized; a valid push serializes none.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from datetime import date, datetime
from operator import itemgetter
from typing import Any

import numpy as np
import pandas as pd
from rest_framework.exceptions import ValidationError

from .serializers import MAX_POINTS, MetricBatchSerializer, PointSerializer

_MISSING = object()
_BAD = object()
DATE_FORMAT = "%Y-%m-%d"  # PointSerializer.date's only input format
DEFAULT_SOURCE = "api"  # PointSerializer.source's default
_ISO_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_NUL_OR_SURROGATE = re.compile("[\x00\ud800-\udfff]")


def _text(max_length: int) -> Callable[[Any], Any]:
    """What ``CharField(max_length=…)`` accepts without question: a str that is not blank after
    trimming, within the length, without NUL or surrogate characters; anything else is _BAD
    (for the serializer to judge, e.g. numbers, which it turns into strings)."""

    def clean(value: Any) -> Any:
        if type(value) is not str:
            return _BAD
        text = value.strip()
        if not text or len(text) > max_length or _NUL_OR_SURROGATE.search(text):
            return _BAD
        return text

    return clean


def _day(value: Any) -> Any:
    """``strptime(value, "%Y-%m-%d")`` as the serializer does; the usual zero-padded ASCII form
    (where both agree exactly) through the much cheaper ``date.fromisoformat``."""
    if type(value) is not str:
        return _BAD
    try:
        if _ISO_DAY.fullmatch(value):
            return date.fromisoformat(value)
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


def _column(raw: list[Any], name: str) -> tuple[np.ndarray, np.ndarray]:
    """The cleaned values of one field and a mask of the points to hand to the serializer.

    The usual columns take one step each: numbers (int or float) become a float array at once,
    and a column of strings is factorized so each distinct value is checked once. Anything else
    goes point by point (still each distinct typed value once), unhashable values (lists,
    objects) simply bad."""
    check = FIELDS[name]
    types = set(map(type, raw))
    if name == "value" and types <= {int, float}:
        try:
            numbers = np.array(raw, dtype="float64")
        except OverflowError:  # an int beyond float: the serializer words that error
            pass
        else:
            return numbers, ~np.isfinite(numbers)
    elif types == {str}:
        codes, uniques = pd.factorize(np.array(raw, dtype=object))
        checked = [check(u) for u in uniques]
        bad_unique = np.array([c is _BAD for c in checked], dtype=bool)
        lookup = np.empty(len(checked), dtype=object)
        lookup[:] = checked
        return lookup[codes], bad_unique[codes]
    cache: dict[tuple[type, Any], Any] = {}
    out = np.empty(len(raw), dtype=object)
    bad = np.zeros(len(raw), dtype=bool)
    for i, value in enumerate(raw):
        try:
            key = (type(value), value)
            cleaned = cache[key] if key in cache else cache.setdefault(key, check(value))
        except TypeError:  # unhashable
            cleaned = _BAD
        bad[i] = cleaned is _BAD
        out[i] = cleaned
    return out, bad


def _values(points: list[Any], name: str) -> list[Any]:
    """One field of every point (the missing marker, or the default source, where absent)."""
    try:
        return list(map(itemgetter(name), points))  # every point has it: the usual push
    except KeyError:
        default = DEFAULT_SOURCE if name == "source" else _MISSING
        return [p.get(name, default) for p in points]


def points_from_request(data: Any) -> pd.DataFrame:
    """The pushed points as the frame ``load_frame`` takes (campaign, date, metric, value,
    source, index), or ValidationError in the contract's shape (``points[N].field``)."""
    points = data.get("points") if isinstance(data, Mapping) else None
    if not isinstance(points, list) or not points or len(points) > MAX_POINTS:
        envelope = MetricBatchSerializer(data=data)  # the envelope's own error
        envelope.is_valid(raise_exception=True)
        points = envelope.validated_data["points"]  # pragma: no cover - rejected above
    if all(type(p) is dict for p in points):  # what JSON gives; cheaper than isinstance
        objects, bad = points, np.zeros(len(points), dtype=bool)
    else:
        bad = np.array([not isinstance(p, Mapping) for p in points], dtype=bool)
        objects = [p if isinstance(p, Mapping) else {} for p in points]
    columns: dict[str, np.ndarray] = {}
    for name in FIELDS:
        columns[name], column_bad = _column(_values(objects, name), name)
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
            "source": pd.Series(columns["source"], dtype=object),
            "index": pd.Series(np.arange(len(points)), dtype="int64"),
        }
    )
