"""A team's on-call settings: notification channels, escalation policies and acknowledge SLAs.

Team configuration: a member of the team with the ops role's model permission edits it, an admin
edits any team's (the views check both). Incidents already escalating follow the snapshot of the
policy they started with (``services.escalation.snapshot_policy``); changes apply to new ones.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator, URLValidator
from django.db import transaction
from django.utils.translation import gettext as _

from ..models import (
    ChannelKind,
    EscalationPolicy,
    EscalationStep,
    NotificationChannel,
    Severity,
    SeverityPolicy,
)


def _check_target(kind: str, target: str) -> None:
    validator = EmailValidator() if kind == ChannelKind.EMAIL else URLValidator(["http", "https"])
    try:
        validator(target)
    except ValidationError:
        message = (
            _("Enter an email address.")
            if kind == ChannelKind.EMAIL
            else _("Enter a webhook URL starting with https:// or http://.")
        )
        raise ValidationError({"target": message}) from None


@transaction.atomic
def save_channel(
    *, team: Any, channel: NotificationChannel | None = None, **fields: Any
) -> NotificationChannel:
    """Create or update one of the team's channels (email address or webhook URL)."""
    channel = channel or NotificationChannel(team=team)
    for name, value in fields.items():
        setattr(channel, name, value.strip() if isinstance(value, str) else value)
    _check_target(channel.kind, channel.target)
    channel.full_clean()
    channel.save()
    return channel


@transaction.atomic
def delete_channel(*, channel: NotificationChannel) -> None:
    """Delete a channel no escalation step sends to (remove it from the steps first)."""
    used = sorted(
        EscalationPolicy.objects.filter(steps__channel=channel).values_list("name", flat=True)
    )
    if used:
        raise ValidationError(
            _("Escalation policies send to this channel: %(names)s. Change their steps first.")
            % {"names": ", ".join(used)}
        )
    channel.delete()


@dataclass(frozen=True)
class StepSpec:
    """One escalation step as a form gives it: wait, then notify a user, a role or a channel."""

    delay_minutes: int
    notify_user: Any = None
    notify_role: str = ""
    channel: NotificationChannel | None = None


def _check_steps(team: Any, steps: list[StepSpec]) -> None:
    if not steps:
        raise ValidationError(_("Add at least one step."))
    members = set(get_user_model().objects.filter(teams=team).values_list("pk", flat=True))
    errors = []
    for number, step in enumerate(steps, start=1):
        if step.notify_user is None and not step.notify_role and step.channel is None:
            errors.append(
                _("Step %(n)s: choose a person, a role or a channel to notify.") % {"n": number}
            )
        if step.notify_user is not None and step.notify_user.pk not in members:
            errors.append(
                _("Step %(n)s: %(user)s is not a member of the team.")
                % {"n": number, "user": step.notify_user.get_username()}
            )
        if step.channel is not None and step.channel.team_id != team.pk:
            errors.append(
                _("Step %(n)s: the channel “%(channel)s” belongs to another team.")
                % {"n": number, "channel": step.channel.name}
            )
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def save_policy(
    *,
    team: Any,
    name: str,
    repeat_count: int,
    is_default: bool,
    steps: Iterable[StepSpec],
    policy: EscalationPolicy | None = None,
) -> EscalationPolicy:
    """Create or update a policy with its steps, in order (the steps are replaced as a whole).

    Making a policy the team default takes the flag from the team's previous default.
    """
    ordered = list(steps)
    _check_steps(team, ordered)
    policy = policy or EscalationPolicy(team=team)
    policy.name, policy.repeat_count, policy.is_default = name.strip(), repeat_count, is_default
    if is_default:  # rolled back with the rest if the policy is refused below
        others = EscalationPolicy.objects.filter(team=team, is_default=True)
        if policy.pk:
            others = others.exclude(pk=policy.pk)
        for other in others:  # one by one, so the audit trail records each change
            other.is_default = False
            other.save(update_fields=["is_default"])
    policy.full_clean()
    policy.save()
    policy.steps.all().delete()
    EscalationStep.objects.bulk_create(
        EscalationStep(
            policy=policy,
            order=number,
            delay_minutes=step.delay_minutes,
            notify_user=step.notify_user,
            notify_role=step.notify_role,
            channel=step.channel,
            channel_kind=step.channel.kind if step.channel else ChannelKind.EMAIL,
        )
        for number, step in enumerate(ordered, start=1)
    )
    return policy


@transaction.atomic
def delete_policy(*, policy: EscalationPolicy) -> None:
    """Delete a policy; incidents escalating by it keep following their snapshot."""
    policy.delete()


@dataclass(frozen=True)
class Sla:
    ack_minutes: int
    escalate_after_minutes: int


@transaction.atomic
def set_team_slas(*, team: Any, slas: Mapping[str, Sla | None]) -> None:
    """The team's own acknowledge SLA per severity; ``None`` for a severity: the default applies."""
    errors = []
    for severity, sla in slas.items():
        if severity not in Severity.values:
            raise ValidationError(_("Unknown severity %(value)s.") % {"value": severity})
        if sla is not None and (sla.ack_minutes <= 0 or sla.escalate_after_minutes <= 0):
            label = Severity(severity).label
            errors.append(_("%(severity)s: minutes must be 1 or more.") % {"severity": label})
    if errors:
        raise ValidationError(errors)
    for severity, sla in slas.items():
        if sla is None:
            SeverityPolicy.objects.filter(team=team, severity=severity).delete()
            continue
        SeverityPolicy.objects.update_or_create(
            team=team,
            severity=severity,
            defaults={
                "ack_minutes": sla.ack_minutes,
                "escalate_after_minutes": sla.escalate_after_minutes,
            },
        )
