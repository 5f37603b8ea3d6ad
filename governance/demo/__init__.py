"""Governance demo data (``seed_demo``, after analytics' seeder): a living PDCA history.

A vision, two strategies with their analysis, plans with monthly budgets and actions (one
overdue), KPI owners and targets derived from the demo facts, three closed weekly reviews with
decisions, feedback both ways, and skills matrices for both teams. Idempotent: objects are
found by their natural keys.

The seeder is split by topic: ``planning`` (strategies, plans, actions), ``kpis`` (owners and
targets) and ``reviews`` (past reviews, feedback).
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from mops.models import Team

from ..models import Vision
from ..services.planning import save_vision
from .kpis import _kpis
from .planning import _actions, _plans, _strategies
from .reviews import _feedback, _reviews
from .skills import _skills


@transaction.atomic
def seed_governance(*, stdout: Any = None) -> None:
    User = get_user_model()
    today = timezone.localdate()
    users = {
        u.username: u for u in User.objects.filter(username__in=["manager", "marketer", "ops"])
    }
    team_dm = Team.objects.get(slug="digital-marketing")
    team_ops = Team.objects.get(slug="marketing-ops")
    if not Vision.objects.filter(team__isnull=True).exists():
        save_vision(
            team=None,
            vision="データで意思決定し、顧客に選ばれ続けるマーケティング組織になる。",
            mission="計測と運用を仕組み化し、毎週の PDCA で施策を改善し続ける。",
            by=users["manager"],
        )
    if not Vision.objects.filter(team=team_dm).exists():
        save_vision(
            team=team_dm, vision="広告投資あたりの成果を毎四半期改善する。", by=users["manager"]
        )
    strategies = _strategies(team_dm, team_ops, users["manager"], today)
    plans = _plans(strategies, users, today)
    _actions(plans, users, today)
    new_kpis = _kpis(team_dm, strategies[0], plans, users["manager"], today)
    reviews = _reviews(team_dm, users, today)
    _feedback(team_dm, team_ops, users)
    skills = _skills(users, {"digital-marketing": team_dm, "marketing-ops": team_ops})
    if stdout is not None:
        stdout.write(
            f"governance: {len(strategies)} strategies, {len(plans)} plans, "
            f"{new_kpis} KPI owners set, {reviews} past reviews, {skills} skills"
        )


__all__ = ["seed_governance"]
