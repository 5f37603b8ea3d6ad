"""``mops.relative_time`` words every time as Django does, in English and Japanese."""

from __future__ import annotations

import datetime as dt
import zoneinfo

import pytest
import time_machine
from django.contrib.humanize.templatetags import humanize
from django.template import Context, Template
from django.utils import timesince as django_timesince
from django.utils import timezone, translation

from mops import relative_time

NOW = dt.datetime(2026, 3, 31, 12, 0, tzinfo=dt.UTC)
# from "now" through seconds, minutes, hours, days, weeks, months and years, with remainders
DELTAS = [
    dt.timedelta(0),
    dt.timedelta(seconds=1),
    dt.timedelta(seconds=59),
    dt.timedelta(minutes=1),
    dt.timedelta(minutes=59, seconds=30),
    dt.timedelta(hours=1),
    dt.timedelta(hours=23, minutes=59),
    dt.timedelta(days=1),
    dt.timedelta(days=1, hours=5),
    dt.timedelta(days=13, hours=2),
    dt.timedelta(days=45),
    dt.timedelta(days=400, hours=3),
    dt.timedelta(days=3 * 365 + 40),
]


@pytest.mark.parametrize("language", ["en", "ja"])
def test_naturaltime_words_past_and_future_times_as_humanize(language):
    with translation.override(language), time_machine.travel(NOW, tick=False):
        for delta in DELTAS:
            for value in (NOW - delta, NOW + delta):
                assert relative_time.naturaltime(value) == str(humanize.naturaltime(value))


@pytest.mark.parametrize("language", ["en", "ja"])
def test_timesince_and_timeuntil_word_spans_as_django(language):
    with translation.override(language):
        for delta in DELTAS:
            past, future = NOW - delta, NOW + delta
            assert relative_time.timesince(past, NOW) == django_timesince.timesince(past, NOW)
            assert relative_time.timeuntil(future, NOW) == django_timesince.timeuntil(future, NOW)


def test_the_kept_words_follow_the_active_language():
    value = NOW - dt.timedelta(minutes=5)
    with time_machine.travel(NOW, tick=False):
        with translation.override("en"):
            english = relative_time.naturaltime(value)
        with translation.override("ja"):
            japanese = relative_time.naturaltime(value)
        with translation.override("en"):
            again = relative_time.naturaltime(value)
    assert english == again == "5\xa0minutes ago"
    assert japanese == "5分前"


def test_anything_but_a_date_is_shown_as_it_is():
    assert relative_time.naturaltime(None) is None
    assert relative_time.naturaltime("soon") == "soon"


def test_the_template_filter_is_the_same_words():
    value = timezone.now() - dt.timedelta(hours=3)
    with translation.override("en"):
        shown = Template("{% load relative_time %}{{ value|naturaltime }}").render(
            Context({"value": value})
        )
    assert shown == "3\xa0hours ago"


def _instants(zone: dt.tzinfo | None) -> list[dt.datetime]:
    """Readings of the clock around month ends, a leap day and New York's DST changes."""
    days = [
        dt.datetime(2024, 1, 31, 23, 30),
        dt.datetime(2024, 2, 29, 0, 15),
        dt.datetime(2024, 3, 10, 1, 59),
        dt.datetime(2024, 3, 31, 12, 0),
        dt.datetime(2024, 11, 3, 1, 30),
        dt.datetime(2025, 2, 28, 23, 59, 59, 500_000),
        dt.datetime(2026, 12, 4, 9, 0),
    ]
    return [day.replace(tzinfo=zone) for day in days]


# spans from under a day to years, with remainders that land on and beside the unit boundaries
SPANS = [
    dt.timedelta(hours=23, minutes=59, seconds=59),
    dt.timedelta(days=1),
    dt.timedelta(days=1, seconds=1),
    dt.timedelta(days=6, hours=23),
    dt.timedelta(days=7),
    dt.timedelta(days=28, minutes=1),
    dt.timedelta(days=29),
    dt.timedelta(days=30, hours=12),
    dt.timedelta(days=31),
    dt.timedelta(days=59, hours=1),
    dt.timedelta(days=364, hours=23, minutes=59),
    dt.timedelta(days=365),
    dt.timedelta(days=366, hours=6),
    dt.timedelta(days=400, hours=3, minutes=7),
    dt.timedelta(days=731),
    dt.timedelta(days=3 * 365 + 40, seconds=30),
]
ZONES = [dt.UTC, zoneinfo.ZoneInfo("Asia/Tokyo"), zoneinfo.ZoneInfo("America/New_York"), None]


@pytest.mark.parametrize("language", ["en", "ja"])
@pytest.mark.parametrize("zone", ZONES, ids=str)
def test_spans_of_days_to_years_are_counted_as_django_counts_them(language, zone):
    """The calendar arithmetic is ours now (``_units``): every span from every reading, both
    ways, worded as Django words it, in each kind of time zone Django handles."""
    with translation.override(language):
        for now in _instants(zone):
            with time_machine.travel(now, tick=False):
                # the clock as humanize reads it (time-machine keeps a naive reading as UTC)
                clock = dt.datetime.now(now.tzinfo)
                for span in SPANS:
                    for value in (clock - span, clock + span):
                        assert relative_time.naturaltime(value) == str(
                            humanize.naturaltime(value)
                        ), (now, span, value)
                        assert relative_time.timesince(value, clock) == (
                            django_timesince.timesince(value, clock)
                        ), (now, span, value)
                        assert relative_time.timeuntil(value, clock) == (
                            django_timesince.timeuntil(value, clock)
                        ), (now, span, value)


@pytest.mark.parametrize("language", ["en", "ja"])
def test_a_value_in_another_zone_is_counted_in_its_own(language):
    """Django counts in the value's zone: 2024-03-31 00:30 in Tokyo is still March there."""
    tokyo = zoneinfo.ZoneInfo("Asia/Tokyo")
    now = dt.datetime(2024, 4, 30, 15, 45, tzinfo=dt.UTC)
    with translation.override(language):
        for value in (
            dt.datetime(2024, 3, 31, 0, 30, tzinfo=tokyo),
            dt.datetime(2023, 2, 28, 23, 0, tzinfo=zoneinfo.ZoneInfo("America/New_York")),
        ):
            assert relative_time.timesince(value, now) == django_timesince.timesince(value, now)
            assert relative_time.timeuntil(now, value) == django_timesince.timeuntil(now, value)


def test_dates_without_a_time_are_left_to_django():
    with translation.override("en"):
        assert relative_time.timesince(dt.date(2024, 1, 1), dt.date(2024, 3, 19)) == (
            "2\xa0months, 2\xa0weeks"
        )
        assert relative_time.timeuntil(dt.date(2024, 3, 19), dt.date(2024, 1, 1)) == (
            "2\xa0months, 2\xa0weeks"
        )


def test_the_words_for_a_span_of_years_in_each_language():
    value = NOW - dt.timedelta(days=400)
    with time_machine.travel(NOW, tick=False):
        with translation.override("en"):
            assert relative_time.naturaltime(value) == "1\xa0year, 1\xa0month ago"
        with translation.override("ja"):
            japanese = relative_time.naturaltime(value)
        with translation.override("ja"):
            assert japanese == str(humanize.naturaltime(value))
    assert japanese.startswith("1") and "年" in japanese and japanese.endswith("前")


@pytest.mark.parametrize("language", ["en", "ja"])
@pytest.mark.parametrize("zone", ["UTC", "Asia/Tokyo", "America/New_York"])
def test_a_clock_words_every_span_as_django_at_its_own_moment(language, zone):
    """A ``Clock`` (a page's one moment, zone and language) says what humanize's
    ``naturaltime`` and Django's ``timesince``/``timeuntil`` say at that moment, and puts
    values in the page's zone as ``localtime`` does."""
    with translation.override(language), timezone.override(zone):
        for now in _instants(dt.UTC):
            clock = relative_time.Clock(now)
            with time_machine.travel(now, tick=False):
                for span in [*DELTAS, *SPANS]:
                    for value in (now - span, now + span):
                        assert clock.natural(value) == str(humanize.naturaltime(value))
                        assert clock.since(value) == django_timesince.timesince(value, now)
                        assert clock.until(value) == django_timesince.timeuntil(value, now)
                        assert clock.local(value) == timezone.localtime(value)
                        assert clock.local(value).utcoffset() == (
                            timezone.localtime(value).utcoffset()
                        )
