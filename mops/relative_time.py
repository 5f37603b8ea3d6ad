"""Relative times ("3 minutes ago", "2 days, 4 hours left") as Django words them, cheaper.

The triage board shows two or three of them on each of its 100 rows, redrawn every 5 s for
each viewer. Django's ``naturaltime``, ``timesince`` and ``timeuntil`` translate each unit
lazily on every call (a catalogue look-up per unit and one for the ", " between them) around
about 30 lines of calendar arithmetic; for spans of a day and more that was 15–20 µs a call.

Here the arithmetic is Django's ``timesince``, step by step (``_units``: which units it shows
and their counts), and the words for those units are worked out once per language, through
Django's own strings (``_words``); spans under a day are humanize's phrases, each also worked
out once per language and count (``_phrase``). A page that shows many takes a ``Clock``: one
moment, time zone and language for all of them (their look-ups were 0.5 ms of a 100-row board).
``tests/mops/test_relative_time.py`` compares every function with Django's over spans from
seconds to years, across month ends, leap days and a daylight-saving change, in English and
Japanese.
"""

from __future__ import annotations

import datetime as dt
from datetime import date, datetime
from functools import lru_cache
from typing import Any

from django.contrib.humanize.templatetags.humanize import NaturalTimeFormatter
from django.utils import timesince as django_timesince
from django.utils.html import avoid_wrapping
from django.utils.timezone import get_current_timezone, is_aware
from django.utils.translation import get_language, gettext

# a unit's position in Django's order (year … minute) -> its key in Django's tables
_KEYS = tuple(django_timesince.TIME_STRINGS_KEYS)
# what each kind of phrase words its units with, and the sentence around them (if any)
_TABLES: dict[str, tuple[dict[str, Any], Any]] = {
    "timesince": (django_timesince.TIME_STRINGS, None),
    "past": (NaturalTimeFormatter.past_substrings, NaturalTimeFormatter.time_strings["past-day"]),
    "future": (
        NaturalTimeFormatter.future_substrings,
        NaturalTimeFormatter.time_strings["future-day"],
    ),
}

Units = tuple[tuple[int, int], ...]


def _units(d: datetime, now: datetime) -> Units:
    """The units Django's ``timesince(d, now)`` shows (depth 2) as (position, count) pairs, ``()``
    for "0 minutes". ``d`` and ``now`` are as Django has them when it starts counting (``now`` in
    ``d``'s time zone); every step below is Django 5.2's, in its order."""
    delta = now - d
    if delta.days * 24 * 60 * 60 + delta.seconds <= 0:
        return ()
    total_months = (now.year - d.year) * 12 + (now.month - d.month)
    if d.day > now.day or (d.day == now.day and d.time() > now.time()):
        total_months -= 1
    years, months = divmod(total_months, 12)
    if years or months:
        pivot_year = d.year + years
        pivot_month = d.month + months
        if pivot_month > 12:
            pivot_month -= 12
            pivot_year += 1
        pivot = datetime(
            pivot_year,
            pivot_month,
            min(django_timesince.MONTHS_DAYS[pivot_month - 1], d.day),
            d.hour,
            d.minute,
            d.second,
            tzinfo=d.tzinfo,
        )
    else:
        pivot = d
    remaining_time = (now - pivot).total_seconds()
    partials = [years, months]
    for chunk in django_timesince.TIME_CHUNKS:
        count = int(remaining_time // chunk)
        partials.append(count)
        remaining_time -= chunk * count
    first = next((i for i, value in enumerate(partials) if value != 0), None)
    if first is None:
        return ()
    shown = [(first, partials[first])]
    if first + 1 < len(partials) and partials[first + 1] != 0:
        shown.append((first + 1, partials[first + 1]))
    return tuple(shown)


@lru_cache(maxsize=4096)
def _words(kind: str, units: Units, language: str | None) -> str:
    """``units`` worded as Django does for ``kind`` (the ``language`` that is active, which is
    only this cache's key)."""
    strings, sentence = _TABLES[kind]
    if units:
        # Translators: between two units of a relative time ("1 year, 2 months"); Django's own
        # catalogues have it, and ja keeps ", " there
        delta = gettext(", ").join(
            avoid_wrapping(strings[_KEYS[i]] % {"num": count}) for i, count in units
        )
    else:
        delta = avoid_wrapping(strings["minute"] % {"num": 0})
    return sentence % {"delta": delta} if sentence is not None else delta


def _in_zone_of(d: datetime, now: datetime | None) -> datetime:
    """``now`` as Django's ``timesince`` compares it with ``d``."""
    if now is None:
        return datetime.now(d.tzinfo if is_aware(d) else None)
    if is_aware(now) and is_aware(d):
        return now.astimezone(d.tzinfo)
    return now


@lru_cache(maxsize=4096)
def _phrase(name: str, count: int, language: str | None) -> str:
    """humanize's phrase ``name`` ("past-minute"…) for ``count`` in ``language``, the active one
    (only this cache's key)."""
    return str(NaturalTimeFormatter.time_strings[name] % {"count": count})


def _short(direction: str, seconds: int) -> tuple[str, int]:
    """The phrase and count humanize words a span of ``seconds`` under a day with."""
    if seconds == 0:
        return "now", 0
    if seconds < 60:
        return f"{direction}-second", seconds
    if seconds // 60 < 60:
        return f"{direction}-minute", seconds // 60
    return f"{direction}-hour", seconds // 60 // 60


def _natural(value: datetime, now: datetime, language: str | None) -> str:
    """humanize's ``NaturalTimeFormatter.string_for(value)`` at ``now``, step by step."""
    if value < now:
        delta = now - value
        if delta.days != 0:
            return _words("past", _units(value, _in_zone_of(value, now)), language)
        return _phrase(*_short("past", delta.seconds), language)
    delta = value - now
    if delta.days != 0:
        # Django's timeuntil: ``now`` in the value's zone, then counted from it to the value
        return _words("future", _units(_in_zone_of(value, now), value), language)
    return _phrase(*_short("future", delta.seconds), language)


def naturaltime(value: Any) -> Any:
    """What ``django.contrib.humanize``'s ``naturaltime`` filter shows: "3 minutes ago" (and
    anything that is not a date as it is)."""
    if isinstance(value, datetime):
        return _natural(value, datetime.now(dt.UTC if is_aware(value) else None), get_language())
    if isinstance(value, date):
        return str(NaturalTimeFormatter.string_for(value))
    return value


def timesince(value: datetime, now: datetime | None = None) -> str:
    """Django's ``timesince``: "2 days, 4 hours"."""
    if not isinstance(value, datetime) or not isinstance(now, datetime | None):
        return django_timesince.timesince(value, now)
    return _since(value, now, get_language())


def _since(value: datetime, now: datetime | None, language: str | None) -> str:
    return _words("timesince", _units(value, _in_zone_of(value, now)), language)


def _until(value: datetime, now: datetime | None, language: str | None) -> str:
    return _words("timesince", _units(_in_zone_of(value, now), value), language)


def timeuntil(value: datetime, now: datetime | None = None) -> str:
    """Django's ``timeuntil``: "12 minutes"."""
    if not isinstance(value, datetime) or not isinstance(now, datetime | None):
        return django_timesince.timeuntil(value, now)
    return _until(value, now, get_language())


class Clock:
    """The relative times of one page, all at the same moment ``now`` (aware) in the time zone
    and language active when the clock is made, which are looked up once for all of them."""

    def __init__(self, now: datetime) -> None:
        self.now = now
        self.zone = get_current_timezone()
        self.language = get_language()

    def local(self, value: datetime) -> datetime:
        """``value`` in the page's time zone (``timezone.localtime``)."""
        return value.astimezone(self.zone)

    def natural(self, value: datetime) -> str:
        """``naturaltime(value)`` at the clock's moment."""
        return _natural(value, self.now, self.language)

    def since(self, value: datetime) -> str:
        """``timesince(value, now)``."""
        return _since(value, self.now, self.language)

    def until(self, value: datetime) -> str:
        """``timeuntil(value, now)``."""
        return _until(value, self.now, self.language)
