"""KPI status against a target: on track / at risk / off track, from the forecast to period end.

The rule, shown on the KPI pages (``RULE_TEXT``), with a tolerance of 10 %:

* higher is better: on track when the forecast reaches the target; at risk when it falls short
  by at most 10 % of the target; off track otherwise.
* lower is better: on track when the forecast is at or under the target; at risk when it is over
  by at most 10 %; off track otherwise.
* band: on track inside [low, high]; at risk outside the band by at most 10 % of the nearer bound;
  off track beyond.
* no value (a ratio whose denominator is zero, or no target): n/a — never counted as on track.

Boundaries belong to the better status: exactly on the target is on track, exactly 10 % short
is at risk. Once the period has ended the forecast is the final actual.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from django.db import models
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from .models import Direction

TOLERANCE = 0.10


class Status(models.TextChoices):
    ON_TRACK = "on_track", _("On track")
    AT_RISK = "at_risk", _("At risk")
    OFF_TRACK = "off_track", _("Off track")
    UNKNOWN = "unknown", _("n/a")


STATUS_COLOUR = {
    Status.ON_TRACK: "green",
    Status.AT_RISK: "amber",
    Status.OFF_TRACK: "red",
    Status.UNKNOWN: "grey",
}

RULE_TEXT = format_lazy(
    _(
        "Status compares the forecast to the end of the target period with the target. Higher "
        "is better: on track when the forecast reaches the target, at risk when it falls short "
        "by at most {tolerance}, off track otherwise. Lower is better: on track at or under the "
        "target, at risk when over by at most {tolerance}, off track otherwise. Band: on track "
        "inside the band, at risk within {tolerance} outside it, off track beyond. A KPI without "
        "a value (zero denominator) or without a target is n/a. After the period ends the "
        "forecast is the final actual."
    ),
    tolerance=f"{TOLERANCE:.0%}",
)


@dataclass(frozen=True)
class TargetSpec:
    value: float | None = None
    low: float | None = None
    high: float | None = None


def _ge(a: float, b: float) -> bool:
    """a ≥ b, with float noise on the boundary counted as equal (27 vs 30 × 0.9)."""
    return a >= b or math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12)


def evaluate(direction: str, target: TargetSpec | None, forecast: float | None) -> Status:
    """The status of ``forecast`` against ``target`` for a KPI going in ``direction``."""
    if forecast is None or target is None:
        return Status.UNKNOWN
    if direction == Direction.BAND:
        if target.low is None or target.high is None:
            return Status.UNKNOWN
        if _ge(forecast, target.low) and _ge(target.high, forecast):
            return Status.ON_TRACK
        low_edge = target.low - abs(target.low) * TOLERANCE
        high_edge = target.high + abs(target.high) * TOLERANCE
        inside = _ge(forecast, low_edge) and _ge(high_edge, forecast)
        return Status.AT_RISK if inside else Status.OFF_TRACK
    if target.value is None:
        return Status.UNKNOWN
    slack = abs(target.value) * TOLERANCE
    if direction == Direction.LOWER:
        if _ge(target.value, forecast):
            return Status.ON_TRACK
        return Status.AT_RISK if _ge(target.value + slack, forecast) else Status.OFF_TRACK
    if _ge(forecast, target.value):
        return Status.ON_TRACK
    return Status.AT_RISK if _ge(forecast, target.value - slack) else Status.OFF_TRACK
