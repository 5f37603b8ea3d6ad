"""Monitoring writes: create and edit checks, pause and resume them, receive heartbeat pings.

Evaluation lives in ``services/evaluation.py`` and the per-kind probes in ``services/probes.py``.
"""

from __future__ import annotations

import datetime
from typing import Any
from urllib.parse import urlsplit

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from mops.permissions import grant_team_access

from ..models import Check, CheckKind, CheckState, Flip, Ping, PingKind, ResultStatus
from .evaluation import act_on_commit, apply_outcome
from .probes import Outcome

CHECK_FIELDS = {
    "name",
    "description",
    "kind",
    "tool",
    "integration",
    "team",
    *Check.SETTINGS,
}


def _validate(check: Check) -> None:
    """Field-level rules with messages that say what to do, before the model's own checks."""
    errors: dict[str, str] = {}
    if check.grace_seconds is not None and check.grace_seconds < 0:
        errors["grace_seconds"] = _("The grace period cannot be negative; use 0 for none.")
    if check.period_seconds is not None and check.period_seconds <= 0:
        errors["period_seconds"] = _("The period must be a positive number of seconds.")
    if check.interval_seconds is not None and check.interval_seconds < 60:
        errors["interval_seconds"] = _("Evaluate at most once a minute (60 seconds or more).")
    if check.kind == CheckKind.HTTP:
        parts = urlsplit(check.url or "")
        if not check.url:
            errors["url"] = _("An HTTP check needs the URL to request.")
        elif parts.scheme not in ("http", "https") or not parts.netloc:
            errors["url"] = _(
                "Enter a full http:// or https:// URL, e.g. https://example.com/health."
            )
    if check.kind == CheckKind.FRESHNESS:
        if not check.max_age_hours:
            errors["max_age_hours"] = _("Say after how many hours without data the check fails.")
        if not check.freshness_source and check.campaign_id is None:
            errors["freshness_source"] = _("Give a data source (e.g. google_ads) or a campaign.")
    if check.kind == CheckKind.THRESHOLD:
        if check.metric_id is None:
            errors["metric"] = _("Choose the metric to watch.")
        if check.min_value is None and check.max_value is None and not check.use_anomaly_rule:
            errors["min_value"] = _("Give a minimum, a maximum or use the anomaly rule.")
        if (
            check.min_value is not None
            and check.max_value is not None
            and check.min_value > check.max_value
        ):
            errors["max_value"] = _("The maximum must not be below the minimum.")
    if check.failure_rate is not None:
        if not 0 < check.failure_rate <= 1:
            errors["failure_rate"] = _("Give the failure rate as a share between 0.01 and 1.")
        if not check.window_minutes:
            errors["window_minutes"] = _("A failure rate needs a window in minutes.")
    if check.integration_id is not None and check.tool_id is not None:
        integration = check.integration
        if integration is not None and check.tool_id not in (
            integration.source_id,
            integration.target_id,
        ):
            errors["integration"] = _("Choose an integration of the check's tool.")
    if errors:
        raise ValidationError(errors)


def _check_fields(fields: dict[str, Any]) -> None:
    unknown = set(fields) - CHECK_FIELDS
    if unknown:
        raise TypeError(f"unexpected fields: {', '.join(sorted(unknown))}")


@transaction.atomic
def create_check(*, team: Any, name: str, kind: str, **fields: Any) -> Check:
    """A check, validated; its team gets view/change/delete on it. Evaluated on the next run."""
    _check_fields(fields)
    check = Check(team=team, name=name.strip(), kind=kind, **fields)
    _validate(check)
    check.full_clean()
    check.next_due_at = timezone.now()
    check.save()
    grant_team_access(team, check)
    return check


@transaction.atomic
def update_check(*, check: Check, **fields: Any) -> Check:
    """Edit a check. A changed rule applies from the next evaluation, which is due at once."""
    _check_fields(fields)
    locked = Check.objects.select_for_update().get(pk=check.pk)
    old_team_id = locked.team_id
    for key, value in fields.items():
        setattr(locked, key, value)
    locked.name = locked.name.strip()
    _validate(locked)
    locked.full_clean()
    if locked.state != CheckState.PAUSED:
        locked.next_due_at = timezone.now()
    locked.save()
    if locked.team_id != old_team_id:
        from mops.models import Team
        from mops.permissions import revoke_team_access

        revoke_team_access(Team.objects.get(pk=old_team_id), locked)
        grant_team_access(locked.team, locked)
    return locked


@transaction.atomic
def pause_check(*, check: Check, by: Any = None) -> Check:
    """Stop evaluating and alerting; the open incident, if any, stays for people to resolve."""
    locked = Check.objects.select_for_update().get(pk=check.pk)
    if locked.state == CheckState.PAUSED:
        return locked
    who = str(by) if by is not None else _("system")
    Flip.objects.create(
        monitor=locked,
        old_state=locked.state,
        new_state=CheckState.PAUSED,
        reason=_("Paused by %(who)s.") % {"who": who},
        processed_at=timezone.now(),
    )
    locked.state = CheckState.PAUSED
    locked.enabled = False
    locked.next_due_at = None
    locked.consecutive_failures = 0
    locked.save(update_fields=["state", "enabled", "next_due_at", "consecutive_failures"])
    return locked


@transaction.atomic
def resume_check(*, check: Check, by: Any = None) -> Check:
    """Back to ``new``: a heartbeat waits for its next ping, other kinds are evaluated at once.
    ``last_evaluated_at`` is cleared so the paused time is not taken for a scheduler gap."""
    locked = Check.objects.select_for_update().get(pk=check.pk)
    if locked.state != CheckState.PAUSED and locked.enabled:
        return locked
    who = str(by) if by is not None else _("system")
    if locked.state != CheckState.NEW:
        Flip.objects.create(
            monitor=locked,
            old_state=locked.state,
            new_state=CheckState.NEW,
            reason=_("Resumed by %(who)s.") % {"who": who},
            processed_at=timezone.now(),
        )
    locked.state = CheckState.NEW
    locked.enabled = True
    locked.last_ping_at = None
    locked.last_evaluated_at = None
    locked.next_due_at = timezone.now()
    locked.save(
        update_fields=["state", "enabled", "last_ping_at", "last_evaluated_at", "next_due_at"]
    )
    return locked


def record_ping(
    *,
    check: Check,
    kind: str = PingKind.SUCCESS,
    remote_addr: str | None = None,
    user_agent: str = "",
    method: str = "",
    body: str = "",
    now: datetime.datetime | None = None,
) -> Ping:
    """A heartbeat ping. ``success`` marks the check up (resuming a paused one, as Healthchecks
    does); ``fail`` counts as a failed evaluation under the alert rule; ``start`` is recorded only.
    """
    now = now or timezone.now()
    with transaction.atomic():
        locked = (
            Check.objects.select_for_update(of=("self",)).select_related("tool").get(pk=check.pk)
        )
        ping = Ping.objects.create(
            monitor=locked,
            at=now,
            kind=kind,
            remote_addr=remote_addr,
            user_agent=user_agent[:200],
            method=method[:10],
            body=body[: Ping.BODY_LIMIT],
        )
        if kind == PingKind.START:
            return ping
        if locked.state == CheckState.PAUSED or not locked.enabled:
            if kind != PingKind.SUCCESS:
                return ping
            Flip.objects.create(
                monitor=locked,
                at=now,
                old_state=CheckState.PAUSED,
                new_state=CheckState.NEW,
                reason=_("Resumed by a ping."),
                processed_at=now,
            )
            locked.state = CheckState.NEW
            locked.enabled = True
            locked.save(update_fields=["state", "enabled"])
        locked.last_ping_at = now
        if locked.kind == CheckKind.HEARTBEAT:
            period = datetime.timedelta(seconds=locked.period_seconds)
            locked.next_due_at = now + period + datetime.timedelta(seconds=1)
        locked.save(update_fields=["last_ping_at", "next_due_at"])
        if kind == PingKind.FAIL:
            outcome = Outcome(ResultStatus.DOWN, _("Failure signalled by a ping."))
        else:
            outcome = Outcome(ResultStatus.UP, _("Ping received."))
        _result, flip = apply_outcome(locked, outcome, now, evaluated=False)
        act_on_commit([flip] if flip else [])
    return ping
