"""POST /api/v1/metrics/ checks points a column at a time; its errors must be exactly those the
DRF serializer (the documented contract) gives for the same request."""

from __future__ import annotations

import datetime as dt

import pytest
from rest_framework.exceptions import ValidationError

from analytics.api.points import points_from_request
from analytics.api.serializers import MetricBatchSerializer
from mops.api.errors import flatten


def point(**changes):
    base = {"campaign": "winter-search", "date": "2026-11-01", "metric": "clicks", "value": 1}
    base.update(changes)
    return {k: v for k, v in base.items() if v is not ...}


def serializer_errors(data):
    serializer = MetricBatchSerializer(data=data)
    assert not serializer.is_valid()
    return flatten(serializer.errors)


def fast_errors(data):
    with pytest.raises(ValidationError) as raised:
        points_from_request(data)
    return flatten(raised.value.detail)


BAD_REQUESTS = {
    "not an object": [1, 2],
    "no points": {"data": []},
    "points not a list": {"points": {"a": 1}},
    "points null": {"points": None},
    "empty": {"points": []},
    "too many": {"points": [point()] * 10_001},
    "a point not an object": {"points": [point(), "x", 3]},
    "bad date formats": {
        "points": [
            point(date="2026/11/02"),
            point(date=20261102),
            point(date=None),
            point(date="2026-02-30"),
        ]
    },
    "missing and blank fields": {
        "points": [point(campaign=...), point(metric="  "), point(value=...), point(date="")]
    },
    "bad values": {
        "points": [point(value="abc"), point(value=None), point(value=[1]), point(value=True)]
    },
    "number too large for a float": {"points": [point(value=1.5), point(value=10**400)]},
    "full-width or padded dates": {
        "points": [
            point(date="２０２６-１１-０１"),
            point(date=" 2026-11-01"),
            point(date="2026-11-1 "),
        ]
    },
    "bad strings": {
        "points": [
            point(campaign="x" * 65),
            point(metric=["clicks"]),
            point(source=""),
            point(source=None),
            point(source="s" * 33),
            point(campaign=True),
            point(metric="a\x00b"),
        ]
    },
    "mixed, several per point": {"points": [point(), point(date="x", value="y", metric=None)]},
}


@pytest.mark.parametrize("data", BAD_REQUESTS.values(), ids=BAD_REQUESTS.keys())
def test_errors_are_exactly_the_serializers(data):
    assert fast_errors(data) == serializer_errors(data)


def test_values_the_serializer_accepts_are_accepted_alike():
    data = {
        "points": [
            point(),
            point(value="12.5", campaign=" winter-search ", source="google_ads"),
            point(value=3.25, metric=" clicks", date="2026-1-2"),
            point(campaign=123, value=True),
        ]
    }
    serializer = MetricBatchSerializer(data=data)
    assert serializer.is_valid(), serializer.errors
    expected = [
        (p["campaign"], p["date"], p["metric"], float(p["value"]), p["source"])
        for p in serializer.validated_data["points"]
    ]
    frame = points_from_request(data)
    got = list(
        zip(
            frame["campaign"],
            frame["date"],
            frame["metric"],
            frame["value"],
            frame["source"],
            strict=True,
        )
    )
    assert got == expected
    assert frame["date"][0] == dt.date(2026, 11, 1)
    assert list(frame["index"]) == [0, 1, 2, 3]


def test_a_push_where_only_some_points_name_a_source_defaults_the_others():
    data = {"points": [point(), point(source="yahoo_ads", date="2026-11-02"), point(value=2**70)]}
    frame = points_from_request(data)
    assert list(frame["source"]) == ["api", "yahoo_ads", "api"]
    assert list(frame["value"]) == [1.0, 1.0, float(2**70)]
    assert list(frame["date"]) == [dt.date(2026, 11, 1), dt.date(2026, 11, 2), dt.date(2026, 11, 1)]
