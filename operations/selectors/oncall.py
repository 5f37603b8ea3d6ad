"""Reads for a team's on-call settings: who may see and edit them, and what they are."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Prefetch, QuerySet

from mops.models import Team
from mops.permissions import is_admin

from ..models import EscalationPolicy, EscalationStep, NotificationChannel, Severity, SeverityPolicy


def oncall_teams(*, user: Any) -> QuerySet[Team]:
    """The teams whose on-call settings the user may see: their own (with the role's view
    permission), every team for admins."""
    if is_admin(user):
        return Team.objects.all()
    if not user.has_perm("operations.view_escalationpolicy"):
        return Team.objects.none()
    return Team.objects.filter(memberships__user=user.pk)


def can_edit_oncall(user: Any, team: Team) -> bool:
    """Admins, and members of the team whose role may change escalation policies."""
    if is_admin(user):
        return True
    return (
        user.has_perm("operations.change_escalationpolicy")
        and team.memberships.filter(user=user.pk).exists()
    )


@dataclass(frozen=True)
class SlaRow:
    severity: str
    label: str
    own: SeverityPolicy | None  # the team's own
    default: SeverityPolicy | None  # the organisation's (team NULL)

    @property
    def effective(self) -> SeverityPolicy | None:
        return self.own or self.default


@dataclass(frozen=True)
class TeamOncall:
    team: Team
    channels: list[NotificationChannel]
    policies: list[EscalationPolicy]
    slas: list[SlaRow]


def team_slas(team: Team) -> list[SlaRow]:
    """Per severity, the team's own acknowledge time and the organisation's default (one query)."""
    own: dict[str, SeverityPolicy] = {}
    default: dict[str, SeverityPolicy] = {}
    for policy in SeverityPolicy.objects.filter(team__isnull=True) | SeverityPolicy.objects.filter(
        team=team
    ):
        (default if policy.team_id is None else own)[policy.severity] = policy
    return [
        SlaRow(value, str(label), own.get(value), default.get(value))
        for value, label in Severity.choices
    ]


def team_oncall(team: Team) -> TeamOncall:
    steps = EscalationStep.objects.select_related("notify_user", "channel").order_by("order")
    policies = (
        EscalationPolicy.objects.filter(team=team)
        .prefetch_related(Prefetch("steps", queryset=steps))
        .order_by("-is_default", "name")
    )
    return TeamOncall(
        team=team,
        channels=list(NotificationChannel.objects.filter(team=team).order_by("name")),
        policies=list(policies),
        slas=team_slas(team),
    )
