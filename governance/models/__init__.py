"""Governance (運営) models, split by topic."""

from .actions import OPEN_STATUSES, Action, ActionQuerySet, ActionStatus
from .feedback import FeedbackDirection, FeedbackItem, FeedbackStatus
from .kpis import Direction, KpiProfile, KpiTarget
from .planning import (
    PeriodKind,
    Plan,
    PlanBudget,
    PlanStatus,
    Strategy,
    StrategyStatus,
    Vision,
)
from .reviews import (
    AgendaItem,
    AgendaKind,
    Cadence,
    ReviewCadence,
    ReviewMeeting,
    ReviewState,
    ReviewTransition,
)
from .skills import CAPABLE, Skill, SkillLevel, SkillRating, at_risk

__all__ = [
    "CAPABLE",
    "OPEN_STATUSES",
    "Action",
    "ActionQuerySet",
    "ActionStatus",
    "AgendaItem",
    "AgendaKind",
    "Cadence",
    "Direction",
    "FeedbackDirection",
    "FeedbackItem",
    "FeedbackStatus",
    "KpiProfile",
    "KpiTarget",
    "PeriodKind",
    "Plan",
    "PlanBudget",
    "PlanStatus",
    "ReviewCadence",
    "ReviewMeeting",
    "ReviewState",
    "ReviewTransition",
    "Skill",
    "SkillLevel",
    "SkillRating",
    "Strategy",
    "StrategyStatus",
    "Vision",
    "at_risk",
]
