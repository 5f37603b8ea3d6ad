"""One probe per check kind: measure, never raise, return an :class:`Outcome`.

Probes read only; the engine (``services/evaluation.py``) stores the outcome and moves the state.
"""

from __future__ import annotations

import datetime
import socket
import time
import urllib.error
import urllib.request
from dataclasses import dataclass

from django.utils import timezone
from django.utils.translation import gettext as _

from ..models import Check, CheckKind, PingKind, ResultStatus

BODY_LIMIT = 1_000_000  # bytes of an HTTP body searched for the keyword
USER_AGENT = "MOpsPortal-Check/1.0"


@dataclass(frozen=True)
class Outcome:
    status: str  # ResultStatus
    detail: str = ""
    value: float | None = None
    duration_ms: int | None = None
    late: bool = False  # heartbeat: past its period, still within grace


def _hours(delta: datetime.timedelta) -> float:
    return round(delta.total_seconds() / 3600, 2)


def probe_http(check: Check) -> Outcome:
    """GET the URL with a timeout; up when the status is the expected one and the keyword (if
    any) is in the body. Network errors and timeouts are failures, never exceptions."""
    # Only http(s) URLs get here: the check service refuses other schemes.
    request = urllib.request.Request(check.url, headers={"User-Agent": USER_AGENT})  # noqa: S310
    started = time.monotonic()
    body = b""
    try:
        with urllib.request.urlopen(request, timeout=check.timeout_seconds) as response:  # noqa: S310
            status = response.status
            if check.keyword:
                body = response.read(BODY_LIMIT)
    except urllib.error.HTTPError as exc:
        status = exc.code
        if check.keyword:
            try:
                body = exc.read(BODY_LIMIT)
            except OSError:
                body = b""
    except TimeoutError:
        ms = int((time.monotonic() - started) * 1000)
        return Outcome(
            ResultStatus.DOWN,
            _("No answer within %(n)s s.") % {"n": check.timeout_seconds},
            duration_ms=ms,
        )
    except (urllib.error.URLError, OSError, ValueError) as exc:
        ms = int((time.monotonic() - started) * 1000)
        reason = getattr(exc, "reason", exc)
        if isinstance(reason, TimeoutError | socket.timeout):
            detail = _("No answer within %(n)s s.") % {"n": check.timeout_seconds}
        else:
            detail = _("Request failed: %(reason)s") % {"reason": reason}
        return Outcome(ResultStatus.DOWN, detail[:500], duration_ms=ms)
    ms = int((time.monotonic() - started) * 1000)
    if status != check.expected_status:
        return Outcome(
            ResultStatus.DOWN,
            _("HTTP %(got)s, expected %(want)s.") % {"got": status, "want": check.expected_status},
            value=status,
            duration_ms=ms,
        )
    if check.keyword and check.keyword.encode() not in body:
        text = body.decode("utf-8", errors="replace")
        if check.keyword not in text:
            return Outcome(
                ResultStatus.DOWN,
                _("HTTP %(got)s but the keyword “%(kw)s” is missing from the page.")
                % {"got": status, "kw": check.keyword},
                value=status,
                duration_ms=ms,
            )
    return Outcome(
        ResultStatus.UP, _("HTTP %(got)s.") % {"got": status}, value=status, duration_ms=ms
    )


def probe_heartbeat(check: Check, now: datetime.datetime) -> Outcome | None:
    """Healthchecks' rule: up within the period after the last ping, late within the grace after
    it, down after period + grace; down at once when the last ping signalled a failure. ``None``
    for a check that was never pinged (it stays new)."""
    if check.last_ping_at is None:
        return None
    last = (
        check.pings.exclude(kind=PingKind.START)
        .order_by("-at", "-pk")
        .values_list("kind", flat=True)
    ).first()
    age = now - check.last_ping_at
    value = _hours(age)
    if last == PingKind.FAIL:
        return Outcome(ResultStatus.DOWN, _("The last ping signalled a failure."), value=value)
    period = datetime.timedelta(seconds=check.period_seconds)
    grace = datetime.timedelta(seconds=check.grace_seconds)
    if age <= period:
        return Outcome(ResultStatus.UP, _("Last ping %(h)s h ago.") % {"h": value}, value=value)
    if age <= period + grace:
        return Outcome(
            ResultStatus.UP,
            _("Late: no ping for %(h)s h (period %(p)s h, grace %(g)s h).")
            % {"h": value, "p": _hours(period), "g": _hours(grace)},
            value=value,
            late=True,
        )
    return Outcome(
        ResultStatus.DOWN,
        _("No ping for %(h)s h (period %(p)s h + grace %(g)s h).")
        % {"h": value, "p": _hours(period), "g": _hours(grace)},
        value=value,
    )


def heartbeat_next_transition(check: Check, now: datetime.datetime) -> datetime.datetime | None:
    """When a heartbeat's state will change next without a ping (late, then down)."""
    if check.last_ping_at is None:
        return None
    period = datetime.timedelta(seconds=check.period_seconds)
    grace = datetime.timedelta(seconds=check.grace_seconds)
    for moment in (check.last_ping_at + period, check.last_ping_at + period + grace):
        moment += datetime.timedelta(seconds=1)
        if moment > now:
            return moment
    return None


def probe_freshness(check: Check, now: datetime.datetime) -> Outcome:
    """Down when no metric facts arrived from the source/campaign for ``max_age_hours``
    (measured from the import batch's finish time, not from the facts' dates)."""
    from analytics.selectors import last_facts_arrival

    last = last_facts_arrival(source=check.freshness_source or None, campaign=check.campaign)
    what = check.freshness_source or (check.campaign.code if check.campaign else "")
    if last is None:
        return Outcome(
            ResultStatus.DOWN, _("No data has ever arrived from %(what)s.") % {"what": what}
        )
    age = _hours(now - last)
    limit = check.max_age_hours or 0
    if age > limit:
        return Outcome(
            ResultStatus.DOWN,
            _("Last data from %(what)s arrived %(h)s h ago (limit %(max)s h).")
            % {"what": what, "h": age, "max": limit},
            value=age,
        )
    return Outcome(
        ResultStatus.UP,
        _("Last data from %(what)s arrived %(h)s h ago.") % {"what": what, "h": age},
        value=age,
    )


def probe_threshold(check: Check, now: datetime.datetime) -> Outcome:
    """Yesterday's (local) daily value of the metric against the bounds and/or the anomaly rule.

    A day without facts is ``unknown`` (no value to judge: freshness checks catch missing data).
    The anomaly rule pages on *drops* only (a broken tag, a stopped feed): spikes, such as a
    sale's peak, are shown on analytics' charts but are not an operations failure.
    """
    from analytics.models import Anomaly, AnomalyDirection
    from analytics.selectors import daily_metric_series

    day = timezone.localtime(now).date() - datetime.timedelta(days=1)
    assert check.metric is not None
    key = check.metric.key
    points = daily_metric_series(
        campaign=check.campaign, metric_key=key, date_from=day, date_to=day
    )
    if check.use_anomaly_rule:
        anomalies = Anomaly.objects.filter(
            metric=check.metric, date=day, direction=AnomalyDirection.DROP
        )
        if check.campaign is not None:
            anomalies = anomalies.filter(campaign=check.campaign)
        found = anomalies.select_related("campaign").first()
        if found is not None:
            return Outcome(
                ResultStatus.DOWN,
                _("Anomaly on %(day)s: %(key)s %(value)s, expected about %(expected)s (%(c)s).")
                % {
                    "day": day,
                    "key": key,
                    "value": round(found.value, 2),
                    "expected": round(found.expected, 2),
                    "c": found.campaign.code,
                },
                value=found.value,
            )
    if not points:
        if check.use_anomaly_rule and check.min_value is None and check.max_value is None:
            return Outcome(ResultStatus.UP, _("No anomaly on %(day)s.") % {"day": day})
        return Outcome(
            ResultStatus.UNKNOWN, _("No %(key)s value for %(day)s yet.") % {"key": key, "day": day}
        )
    value = points[-1].value
    if check.min_value is not None and value < check.min_value:
        return Outcome(
            ResultStatus.DOWN,
            _("%(key)s on %(day)s was %(value)s, below the minimum %(min)s.")
            % {"key": key, "day": day, "value": value, "min": check.min_value},
            value=value,
        )
    if check.max_value is not None and value > check.max_value:
        return Outcome(
            ResultStatus.DOWN,
            _("%(key)s on %(day)s was %(value)s, above the maximum %(max)s.")
            % {"key": key, "day": day, "value": value, "max": check.max_value},
            value=value,
        )
    return Outcome(
        ResultStatus.UP,
        _("%(key)s on %(day)s was %(value)s.") % {"key": key, "day": day, "value": value},
        value=value,
    )


def probe(check: Check, now: datetime.datetime) -> Outcome | None:
    """Run the probe of the check's kind; ``None`` when there is nothing to judge yet."""
    try:
        if check.kind == CheckKind.HTTP:
            return probe_http(check)
        if check.kind == CheckKind.HEARTBEAT:
            return probe_heartbeat(check, now)
        if check.kind == CheckKind.FRESHNESS:
            return probe_freshness(check, now)
        if check.kind == CheckKind.THRESHOLD:
            return probe_threshold(check, now)
    except Exception as exc:  # a probe's bug must not stop the other checks being evaluated
        import logging

        logging.getLogger(__name__).exception("probe of check %s failed", check.pk)
        return Outcome(ResultStatus.UNKNOWN, _("The probe failed: %(e)s") % {"e": exc})
    return None
