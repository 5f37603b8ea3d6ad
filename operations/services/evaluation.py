"""The evaluation engine: store every outcome, move the check's state by its alert rule, append a
flip for every change, and open or resolve the check's incident from the flips.

Flow of ``evaluate_due_checks(now)`` (run every minute by ``operations.tasks.evaluate_checks``):
1. *claim* the due checks: ``select_for_update(skip_locked=True)`` and push ``next_due_at``, so a
   second worker running at the same time neither waits nor evaluates them again;
2. *probe* each one outside any transaction (an HTTP probe may take its whole timeout);
3. *apply* the outcome under a row lock: record a ``CheckResult``, count failures, flip;
4. *act* on the new flips after commit: ``raise_alert`` / ``recover_alert`` (the incident
   service's dedup key ``check:<uuid>``), then mark the flip processed. A flip left unprocessed
   (the incident service failed) is retried on the next run.
"""

from __future__ import annotations

import datetime
import logging

from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from ..models import Check, CheckKind, CheckResult, CheckState, Flip, ResultStatus
from ..selectors.maintenance import current_maintenance
from ..selectors.monitoring import due_checks, upstream_down_check
from .probes import Outcome, heartbeat_next_transition, probe

logger = logging.getLogger(__name__)

CLAIM_BATCH = 200
GAP_FACTOR = 3  # a previous evaluation older than 3 intervals means the scheduler was not running


def dedup_key(check: Check) -> str:
    return f"check:{check.uuid}"


def _rule_says_down(check: Check, now: datetime.datetime) -> bool:
    """The alert rule: a failure rate over a window when one is set, else N consecutive failures."""
    if check.failure_rate is not None and check.window_minutes:
        since = now - datetime.timedelta(minutes=check.window_minutes)
        counts = CheckResult.objects.filter(monitor=check, at__gt=since, at__lte=now).aggregate(
            total=Count("pk", filter=~Q(status=ResultStatus.UNKNOWN)),
            failed=Count("pk", filter=Q(status=ResultStatus.DOWN)),
        )
        total = counts["total"] or 0
        return total > 0 and (counts["failed"] or 0) / total >= check.failure_rate
    return check.consecutive_failures >= check.failures_before_down


def _flip(check: Check, new_state: str, at: datetime.datetime, reason: str) -> Flip:
    flip = Flip.objects.create(
        monitor=check, at=at, old_state=check.state, new_state=new_state, reason=reason[:300]
    )
    check.state = new_state
    return flip


def _suppression(check: Check, at: datetime.datetime) -> str:
    """Why going down must not open an incident (maintenance, or the upstream is already down)."""
    occurrence = current_maintenance(tool=check.tool, at=at)
    if occurrence is not None:
        return _("no incident: %(tool)s is in maintenance (%(title)s)") % {
            "tool": occurrence.window.tool.name,
            "title": occurrence.window.title,
        }
    upstream = upstream_down_check(check)
    if upstream is not None:
        return _("no incident: upstream check “%(name)s” of %(tool)s is already down") % {
            "name": upstream.name,
            "tool": upstream.tool.name if upstream.tool else "",
        }
    return ""


def apply_outcome(
    check: Check, outcome: Outcome, now: datetime.datetime, *, evaluated: bool = True
) -> tuple[CheckResult, Flip | None]:
    """Store the outcome and move the state by the alert rule. Call with the row locked."""
    result = CheckResult.objects.create(
        monitor=check,
        at=now,
        status=outcome.status,
        duration_ms=outcome.duration_ms,
        value=outcome.value,
        detail=outcome.detail[:2000],
    )
    old = check.state
    new = old
    if outcome.status == ResultStatus.UP:
        check.consecutive_failures = 0
        if (
            old == CheckState.DOWN
            and check.failure_rate is not None
            and _rule_says_down(check, now)
        ):
            new = CheckState.DOWN  # the failure rate is still over the limit
        else:
            new = CheckState.LATE if outcome.late else CheckState.UP
    elif outcome.status == ResultStatus.DOWN:
        check.consecutive_failures += 1
        if _rule_says_down(check, now):
            new = CheckState.DOWN
    flip = None
    suppressed = ""
    if new != old:
        reason = outcome.detail
        if new == CheckState.DOWN:
            rule = (
                _("failure rate %(rate)s%% over %(m)s min")
                % {"rate": round((check.failure_rate or 0) * 100), "m": check.window_minutes}
                if check.failure_rate is not None
                else _("%(n)s consecutive failure(s)") % {"n": check.consecutive_failures}
            )
            reason = f"{outcome.detail} ({rule})"
            suppressed = _suppression(check, now)
            if suppressed:
                reason = f"{reason}; {suppressed}"
        flip = _flip(check, new, now, reason)
        if new == CheckState.DOWN and suppressed:
            flip.processed_at = now  # nothing to act on: recorded, no second incident
            flip.save(update_fields=["processed_at"])
    fields = ["state", "consecutive_failures"]
    if evaluated:
        check.last_evaluated_at = now
        fields.append("last_evaluated_at")
    check.save(update_fields=fields)
    return result, flip


def _record_gap(check: Check, now: datetime.datetime) -> Flip | None:
    """A previous evaluation older than GAP_FACTOR intervals: the portal's scheduler was not
    running. Record an ``unknown`` result covering the gap (counted neither up nor down) and, when
    nothing else happened meanwhile, an ``unknown`` span in the flips."""
    last = check.last_evaluated_at
    interval = datetime.timedelta(seconds=check.interval_seconds)
    if last is None or now - last <= GAP_FACTOR * interval:
        return None
    gap_start = last + interval
    CheckResult.objects.create(
        monitor=check,
        at=gap_start,
        status=ResultStatus.UNKNOWN,
        value=round((now - gap_start).total_seconds() / 3600, 2),
        detail=_("Not evaluated from %(start)s to %(end)s: the portal's scheduler was not running.")
        % {
            "start": timezone.localtime(gap_start).strftime("%Y-%m-%d %H:%M"),
            "end": timezone.localtime(now).strftime("%Y-%m-%d %H:%M"),
        },
    )
    if check.state in (CheckState.NEW, CheckState.PAUSED, CheckState.UNKNOWN):
        return None
    if Flip.objects.filter(monitor=check, at__gt=gap_start).exists():
        return None  # pings moved the state during the gap: that part of it is known
    flip = _flip(check, CheckState.UNKNOWN, gap_start, _("Scheduler gap: state unknown."))
    flip.processed_at = now
    flip.save(update_fields=["processed_at"])
    check.save(update_fields=["state"])
    return flip


def _next_due(check: Check, now: datetime.datetime) -> datetime.datetime:
    due = now + datetime.timedelta(seconds=check.interval_seconds)
    if check.kind == CheckKind.HEARTBEAT:
        moment = heartbeat_next_transition(check, now)
        if moment is not None and moment < due:
            due = moment
    return due


def claim_due_checks(now: datetime.datetime, *, limit: int = CLAIM_BATCH) -> list[int]:
    """Lock the due checks that no other worker holds, and push them out of the due set."""
    with transaction.atomic():
        checks = list(due_checks(now=now).select_for_update(skip_locked=True, of=("self",))[:limit])
        for check in checks:
            Check.objects.filter(pk=check.pk).update(
                next_due_at=now + datetime.timedelta(seconds=check.interval_seconds)
            )
    return [check.pk for check in checks]


def evaluate_check(check_id: int, now: datetime.datetime) -> list[Flip]:
    """Probe one check and apply the outcome; returns the flips it made."""
    check = Check.objects.select_related("tool", "metric", "campaign").get(pk=check_id)
    if not check.enabled or check.state == CheckState.PAUSED:
        return []
    outcome = probe(check, now)
    flips: list[Flip] = []
    with transaction.atomic():
        locked = (
            Check.objects.select_for_update(of=("self",))
            .select_related("tool", "metric", "campaign")
            .get(pk=check_id)
        )
        if not locked.enabled or locked.state == CheckState.PAUSED:
            return []
        gap = _record_gap(locked, now)
        if gap is not None:
            flips.append(gap)
        if outcome is None:
            locked.last_evaluated_at = now
            locked.save(update_fields=["last_evaluated_at"])
        else:
            _result, flip = apply_outcome(locked, outcome, now)
            if flip is not None:
                flips.append(flip)
        Check.objects.filter(pk=check_id).update(next_due_at=_next_due(locked, now))
    if not flips and locked.state == CheckState.DOWN:
        alert_if_still_down_unalerted(locked, now)
    return flips


def alert_if_still_down_unalerted(check: Check, now: datetime.datetime) -> bool:
    """A check that went down while suppressed (maintenance, upstream down) and is still down
    once the reason is gone gets its incident now. A check whose incident people already
    resolved by hand while it stays down is not re-paged."""
    from ..models import Incident
    from .incidents import raise_alert

    went_down = (
        Flip.objects.filter(monitor=check, new_state=CheckState.DOWN).order_by("-at", "-pk").first()
    )
    if went_down is None or _suppression(check, now):
        return False
    if Incident.objects.filter(source_check=check, triggered_at__gte=went_down.at).exists():
        return False
    raise_alert(
        dedup_key=dedup_key(check),
        title=_("%(name)s is down") % {"name": check.name},
        team=check.team,
        source="check",
        source_check=check,
        tools=[check.tool] if check.tool else (),
        description=_("Still down after the suppression ended: %(reason)s")
        % {"reason": went_down.reason},
        data={"check": check.pk, "flip": went_down.pk, "kind": check.kind},
    )
    return True


def evaluate_due_checks(now: datetime.datetime | None = None) -> dict[str, int]:
    """Evaluate every due check once, act on the flips; returns counts for the task's log."""
    now = now or timezone.now()
    evaluated = 0
    for check_id in claim_due_checks(now):
        try:
            evaluate_check(check_id, now)
        except Exception:  # one broken check must not stop the others
            logger.exception("evaluating check %s failed", check_id)
            continue
        evaluated += 1
    acted = process_pending_flips(now=now)
    return {"evaluated": evaluated, "flips_processed": acted}


def process_flip(flip: Flip, *, now: datetime.datetime | None = None) -> None:
    """Open the check's incident on a flip to down; resolve it on a flip back up."""
    from .incidents import raise_alert, recover_alert

    now = now or timezone.now()
    check = flip.monitor
    key = dedup_key(check)
    with transaction.atomic():
        locked = Flip.objects.select_for_update().filter(pk=flip.pk, processed_at__isnull=True)
        if not locked.exists():
            return
        if flip.new_state == CheckState.DOWN:
            raise_alert(
                dedup_key=key,
                title=_("%(name)s is down") % {"name": check.name},
                team=check.team,
                source="check",
                source_check=check,
                tools=[check.tool] if check.tool else (),
                description=flip.reason,
                data={"check": check.pk, "flip": flip.pk, "kind": check.kind},
            )
        elif flip.new_state == CheckState.UP and flip.old_state in (
            CheckState.DOWN,
            CheckState.UNKNOWN,
        ):
            recover_alert(
                dedup_key=key,
                message=_("%(name)s recovered: %(reason)s")
                % {"name": check.name, "reason": flip.reason},
            )
        locked.update(processed_at=now)


def process_pending_flips(*, now: datetime.datetime | None = None, limit: int = 500) -> int:
    """Act on every unprocessed flip, oldest first (also retries ones that failed before)."""
    pending = (
        Flip.objects.filter(processed_at__isnull=True)
        .select_related("monitor__team", "monitor__tool")
        .order_by("at", "pk")[:limit]
    )
    done = 0
    for flip in pending:
        try:
            process_flip(flip, now=now)
        except Exception:
            logger.exception("acting on flip %s failed; retried on the next run", flip.pk)
            continue
        done += 1
    return done


def act_on_commit(flips: list[Flip]) -> None:
    """Process flips made inside a request (a ping) once the transaction commits."""
    if flips:
        ids = [f.pk for f in flips]

        def run() -> None:
            for flip in Flip.objects.filter(pk__in=ids).select_related(
                "monitor__team", "monitor__tool"
            ):
                try:
                    process_flip(flip)
                except Exception:
                    logger.exception(
                        "acting on flip %s failed; the next evaluation retries", flip.pk
                    )

        transaction.on_commit(run)
