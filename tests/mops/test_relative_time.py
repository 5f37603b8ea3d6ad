"""``mops.relative_time`` words every time as Django does, in English and Japanese."""

from __future__ import annotations

import datetime as dt

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
