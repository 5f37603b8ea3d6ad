"""Escalation of unacknowledged incidents along the team's default escalation policy.

An incident that is still *triggered* when its severity's ``escalate_after_minutes`` have passed
starts escalating: the team's default policy is copied onto the incident (``escalation_snapshot``)
so that editing the policy mid-incident does not change a running escalation. Each step waits
its ``delay_minutes`` after the previous one (the first after the start), then notifies a user,
every team member with a role, or a channel. After the last step the steps run again, up to
``repeat_count`` more rounds; a new round waits at least ``ROUND_GAP_MINUTES`` after the last
step, so a policy of zero-delay steps does not fire its repeats all at once. Leaving
*triggered* (acknowledge, mitigate, resolve) clears ``next_escalation_at``, which stops it.

A run is idempotent and cannot double-fire: the incident row is locked and a run that finds the
incident no longer due (someone else fired the step, or it was acknowledged) does nothing.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ..models import (
    ChannelKind,
    EscalationPolicy,
    EventKind,
    Incident,
    IncidentState,
    Notification,
)
from .incidents import add_event
from .notifications import build_payload, queue_notifications

ROUND_GAP_MINUTES = 5


def snapshot_policy(policy: EscalationPolicy) -> dict[str, Any]:
    """The policy as plain data: what the incident will follow whatever happens to the policy."""
    steps = []
    for step in policy.steps.select_related("notify_user", "channel").order_by("order"):
        steps.append(
            {
                "order": step.order,
                "delay_minutes": step.delay_minutes,
                "notify_user_id": step.notify_user_id,
                "notify_user": step.notify_user.get_username() if step.notify_user else "",
                "notify_role": step.notify_role,
                "channel_kind": step.channel_kind,
                "channel_id": step.channel_id,
                "channel": step.channel.name if step.channel else "",
            }
        )
    return {
        "policy_id": policy.pk,
        "name": policy.name,
        "repeat_count": policy.repeat_count,
        "steps": steps,
    }


def due_incident_ids(*, now: datetime | None = None) -> list[int]:
    now = now or timezone.now()
    return list(
        Incident.objects.filter(
            state=IncidentState.TRIGGERED, next_escalation_at__lte=now
        ).values_list("pk", flat=True)
    )


def escalate_due(*, now: datetime | None = None) -> int:
    """Run every due escalation; returns how many steps fired."""
    fired = 0
    for pk in due_incident_ids(now=now):
        fired += escalate_incident(incident_id=pk, now=now)
    return fired


def _recipients(incident: Incident, step: dict[str, Any]) -> list[tuple[str, str, Any]]:
    """(kind, recipient, channel) for one step: a user, a role in the team, or a channel."""
    from ..models import NotificationChannel

    out: list[tuple[str, str, Any]] = []
    users = get_user_model().objects.filter(is_active=True)
    if step.get("notify_user_id"):
        user = users.filter(pk=step["notify_user_id"]).first()
        if user is not None and user.email:
            out.append((ChannelKind.EMAIL, user.email, None))
    if step.get("notify_role"):
        members = users.filter(groups__name=step["notify_role"], teams=incident.team_id).exclude(
            email=""
        )
        out.extend((ChannelKind.EMAIL, u.email, None) for u in members.distinct())
    if step.get("channel_id"):
        channel = NotificationChannel.objects.filter(pk=step["channel_id"]).first()
        if channel is not None and channel.enabled:
            out.append((channel.kind, channel.target, channel))
    return list({(k, r): (k, r, c) for k, r, c in out}.values())


def _fire_step(incident: Incident, now: datetime) -> list[Notification]:
    snapshot = incident.escalation_snapshot
    step = snapshot["steps"][incident.escalation_step]
    recipients = _recipients(incident, step)
    notifications = [
        Notification(
            incident=incident,
            channel=channel,
            kind=kind,
            recipient=recipient,
            payload=build_payload(incident, kind, reason=_("escalation")),
            created_at=now,
            next_attempt_at=now,
        )
        for kind, recipient, channel in recipients
    ]
    Notification.objects.bulk_create(notifications)
    add_event(
        incident=incident,
        kind=EventKind.ESCALATION,
        at=now,
        message=_("Escalation step %(step)s (round %(round)s): %(count)s notification(s)")
        % {
            "step": incident.escalation_step + 1,
            "round": incident.escalation_round + 1,
            "count": len(notifications),
        },
        data={
            "step": incident.escalation_step,
            "round": incident.escalation_round,
            "recipients": [r for _k, r, _c in recipients],
            "policy": snapshot.get("name", ""),
        },
    )
    return notifications


@transaction.atomic
def escalate_incident(*, incident_id: int, now: datetime | None = None) -> int:
    """Fire the incident's due escalation step(s); returns how many fired."""
    now = now or timezone.now()
    incident = (
        Incident.objects.select_for_update().select_related("team").filter(pk=incident_id).first()
    )
    if (
        incident is None
        or incident.state != IncidentState.TRIGGERED
        or incident.next_escalation_at is None
        or incident.next_escalation_at > now
    ):
        return 0
    if not incident.escalation_snapshot:
        policy = EscalationPolicy.objects.filter(team=incident.team_id, is_default=True).first()
        snapshot = snapshot_policy(policy) if policy is not None else {}
        if not snapshot.get("steps"):
            incident.next_escalation_at = None
            incident.save(update_fields=["next_escalation_at", "updated_at"])
            add_event(
                incident=incident,
                kind=EventKind.ESCALATION,
                at=now,
                message=_("Not acknowledged in time, but the team has no escalation policy."),
            )
            return 0
        incident.escalation_snapshot = snapshot
        incident.escalation_step = 0
        incident.escalation_round = 0
        first_delay = snapshot["steps"][0]["delay_minutes"]
        incident.next_escalation_at = now + timedelta(minutes=first_delay)
        add_event(
            incident=incident,
            kind=EventKind.ESCALATION,
            at=now,
            message=_("Not acknowledged in time: escalating along %(policy)s")
            % {"policy": snapshot["name"]},
            data={"policy_id": snapshot["policy_id"]},
        )
    snapshot = incident.escalation_snapshot
    steps = snapshot["steps"]
    fired: list[Notification] = []
    count = 0
    limit = len(steps) * (int(snapshot.get("repeat_count", 0)) + 1)
    while (
        incident.next_escalation_at is not None and incident.next_escalation_at <= now
    ) and count < limit:
        fired += _fire_step(incident, now)
        count += 1
        incident.escalation_step += 1
        gap = 0
        if incident.escalation_step >= len(steps):
            incident.escalation_step = 0
            incident.escalation_round += 1
            gap = ROUND_GAP_MINUTES
        if incident.escalation_round > int(snapshot.get("repeat_count", 0)):
            incident.next_escalation_at = None
            add_event(
                incident=incident,
                kind=EventKind.ESCALATION,
                at=now,
                message=_(
                    "Escalation finished: every step and repeat ran without an acknowledgement."
                ),
            )
        else:
            delay = max(steps[incident.escalation_step]["delay_minutes"], gap)
            incident.next_escalation_at = now + timedelta(minutes=delay)
    incident.save(
        update_fields=[
            "escalation_snapshot",
            "escalation_step",
            "escalation_round",
            "next_escalation_at",
            "updated_at",
        ]
    )
    queue_notifications([n.pk for n in fired])
    return count
