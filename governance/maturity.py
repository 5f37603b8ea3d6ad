"""The maturity scorecard: how systematized (仕組化) each team's marketing operations are,
computed from evidence in the portal rather than from a questionnaire.

Six practices, each a share of what the team has, turned into a CMMI-style level (1–5):

- runbook coverage: tools in use that a runbook covers;
- owner redundancy: tools in use with two or more owners or backup owners (属人化しない);
- KPI automation: active KPIs whose latest value is current (recomputed from loaded data);
- PDCA cadence kept: reviews closed in the last eight cadence periods, of the eight expected
  (from each team with KPIs or actions, or that held a review);
- actions closed: actions due in the last 90 days that are done (cancelled ones do not count);
- skills shared: skills in the team's skills matrix that two or more current members can do
  alone (level 3 or more).

A team's level is its lowest practice level, as in CMMI's staged levels: an organisation is at
level 3 when every practice is. A practice with nothing to judge (no tools, no KPIs…) is shown
as "no evidence" and does not count. Everything is read as the user may see it, in seven queries
whatever the number of teams.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Max
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from analytics.models import Granularity
from mops.models import Team
from operations.models import ToolLifecycle
from operations.selectors.inventory import tools_for, with_flags

from .models import ActionStatus, Cadence, ReviewCadence, ReviewState, at_risk
from .selectors import actions_for, capable_members, kpi_profiles_for, reviews_for, skills_for

# A share of at least this much reaches the level (checked from the top).
LEVEL_FLOORS = ((5, 0.9), (4, 0.75), (3, 0.5), (2, 0.25), (1, 0.0))
LEVEL_NAMES = {
    1: _("Initial"),
    2: _("Managed"),
    3: _("Defined"),
    4: _("Quantitatively managed"),
    5: _("Optimizing"),
}
LEVEL_BADGES = {1: "red", 2: "amber", 3: "blue", 4: "green", 5: "green"}
ACTIONS_WINDOW_DAYS = 90
CADENCE_PERIODS = 8
CADENCE_DAYS: dict[str, int] = {Cadence.WEEKLY: 7, Cadence.BIWEEKLY: 14, Cadence.MONTHLY: 30}
# A KPI is current when its latest computed period ended at most this long ago.
KPI_CURRENT_DAYS: dict[str, int] = {Granularity.DAY: 3, Granularity.WEEK: 14, Granularity.MONTH: 45}


def level_for(share: float) -> int:
    return next(level for level, floor in LEVEL_FLOORS if share >= floor)


@dataclass(frozen=True)
class Practice:
    key: str
    title: Promise
    evidence: Promise  # "%(met)s of %(total)s tools have a runbook"
    improve: Promise
    url: Callable[[], str]


PRACTICES = (
    Practice(
        "runbook_coverage",
        _("Runbook coverage"),
        _("%(met)s of %(total)s tools in use have a runbook"),
        _("Tools without a runbook"),
        lambda: reverse("operations:tool_list") + "?flag=no_runbook",
    ),
    Practice(
        "owner_redundancy",
        _("Owner redundancy"),
        _("%(met)s of %(total)s tools in use have two or more owners"),
        _("Tools with a single owner"),
        lambda: reverse("operations:tool_list") + "?flag=single_owner",
    ),
    Practice(
        "kpi_automation",
        _("KPI automation"),
        _("%(met)s of %(total)s active KPIs have a current value"),
        _("KPIs"),
        lambda: reverse("governance:kpi_list"),
    ),
    Practice(
        "pdca_cadence",
        _("PDCA cadence kept"),
        _("%(met)s of %(total)s reviews held in the last eight periods"),
        _("Reviews"),
        lambda: reverse("governance:review_list"),
    ),
    Practice(
        "skills_shared",
        _("Skills shared"),
        _("%(met)s of %(total)s skills have two or more people who can do them alone"),
        _("Skills matrix"),
        lambda: reverse("governance:skills"),
    ),
    Practice(
        "actions_closed",
        _("Actions closed"),
        _("%(met)s of %(total)s actions due in the last 90 days are done"),
        _("Actions"),
        lambda: reverse("governance:action_list") + "?show=all",
    ),
)


@dataclass
class Score:
    practice: Practice
    met: int = 0
    total: int = 0

    @property
    def has_evidence(self) -> bool:
        return self.total > 0

    @property
    def share(self) -> float:
        return min(self.met / self.total, 1.0) if self.total else 0.0

    @property
    def percent(self) -> int:
        return round(self.share * 100)

    @property
    def level(self) -> int | None:
        return level_for(self.share) if self.total else None

    @property
    def badge(self) -> str:
        return LEVEL_BADGES[self.level] if self.level else "grey"

    @property
    def evidence(self) -> str:
        return str(self.practice.evidence) % {"met": self.met, "total": self.total}

    @property
    def url(self) -> str:
        return self.practice.url()


@dataclass
class Scorecard:
    """One team's (or, with ``team`` None, every visible team's) scores."""

    team: Team | None
    scores: list[Score] = field(default_factory=list)

    @property
    def level(self) -> int | None:
        levels = [s.level for s in self.scores if s.level is not None]
        return min(levels) if levels else None

    @property
    def level_name(self) -> str:
        return str(LEVEL_NAMES[self.level]) if self.level else ""

    @property
    def badge(self) -> str:
        return LEVEL_BADGES[self.level] if self.level else "grey"


Tally = dict[int | None, list[int]]  # team id -> [met, total]


def _tally(rows: Iterable[tuple[int | None, bool]]) -> Tally:
    tally: Tally = defaultdict(lambda: [0, 0])
    for team_id, met in rows:
        tally[team_id][0] += int(met)
        tally[team_id][1] += 1
    return tally


TOOL_EVIDENCE = ("team_id", "has_runbook", "owner_count")  # the last two from with_flags


def _tools(user: Any) -> tuple[Tally, Tally]:
    tools = with_flags(tools_for(user=user).select_related(None)).exclude(
        lifecycle=ToolLifecycle.RETIRED
    )
    rows = list(tools.order_by().values_list(*TOOL_EVIDENCE))
    coverage = _tally((team, has_runbook) for team, has_runbook, _owners in rows)
    redundancy = _tally((team, owners >= 2) for team, _has_runbook, owners in rows)
    return coverage, redundancy


def _kpis(user: Any, today: datetime.date) -> Tally:
    profiles = (
        kpi_profiles_for(user=user)
        .select_related(None)
        .filter(kpi__is_active=True)
        .annotate(latest=Max("kpi__values__period_end"))
        .order_by()
        .values_list("team_id", "kpi__granularity", "latest")
    )
    return _tally(
        (
            team,
            latest is not None and (today - latest).days <= KPI_CURRENT_DAYS.get(granularity, 14),
        )
        for team, granularity, latest in profiles
    )


def _cadence(user: Any, today: datetime.date, team_ids: set[int | None]) -> Tally:
    """Closed reviews in the last eight periods of each team's cadence, of eight expected."""
    cadences = dict(ReviewCadence.objects.values_list("team_id", "cadence"))
    longest = max(CADENCE_DAYS.values()) * CADENCE_PERIODS
    held: dict[int | None, list[datetime.date]] = defaultdict(list)
    closed = (
        reviews_for(user=user)
        .select_related(None)
        .filter(state=ReviewState.CLOSED, meeting_date__gt=today - datetime.timedelta(longest))
        .order_by()
        .values_list("team_id", "meeting_date")
    )
    for team_id, day in closed:
        held[team_id].append(day)
    tally: Tally = {}
    for team in team_ids | set(held):
        if team is None:
            continue
        days = CADENCE_DAYS[cadences.get(team, Cadence.WEEKLY)] * CADENCE_PERIODS
        since = today - datetime.timedelta(days)
        tally[team] = [sum(1 for day in held[team] if day > since), CADENCE_PERIODS]
    return tally


def _actions(user: Any, today: datetime.date) -> Tally:
    due = (
        actions_for(user=user)
        .select_related(None)
        .filter(due_date__gt=today - datetime.timedelta(ACTIONS_WINDOW_DAYS), due_date__lte=today)
        .exclude(status=ActionStatus.CANCELLED)
        .order_by()
        .values("team_id", "status")
        .annotate(n=Count("pk"))
    )
    tally: Tally = defaultdict(lambda: [0, 0])
    for row in due:
        tally[row["team_id"]][1] += row["n"]
        if row["status"] == ActionStatus.DONE:
            tally[row["team_id"]][0] += row["n"]
    return tally


def _skills(user: Any) -> Tally:
    rows = (
        skills_for(user=user)
        .select_related(None)
        .annotate(capable=capable_members())
        .order_by()
        .values_list("team_id", "capable")
    )
    return _tally((team, not at_risk(n)) for team, n in rows)


def scorecards(*, user: Any, today: datetime.date | None = None) -> list[Scorecard]:
    """The whole organisation's scorecard (what the user may see) first, then one per team
    that has any evidence, by name."""
    today = today or timezone.localdate()
    coverage, redundancy = _tools(user)
    kpis = _kpis(user, today)
    actions = _actions(user, today)
    # a team that steers KPIs or has actions is expected to hold its reviews
    cadence = _cadence(user, today, set(kpis) | set(actions))
    tallies = dict(
        zip(
            (p.key for p in PRACTICES),
            (coverage, redundancy, kpis, cadence, _skills(user), actions),
            strict=True,
        )
    )
    team_ids = {t for tally in tallies.values() for t in tally if t is not None}
    teams = Team.objects.filter(pk__in=team_ids).order_by("name")
    cards = [Scorecard(team=None)] + [Scorecard(team=team) for team in teams]
    for card in cards:
        for practice in PRACTICES:
            tally = tallies[practice.key]
            if card.team is None:
                met = sum(v[0] for v in tally.values())
                total = sum(v[1] for v in tally.values())
            else:
                met, total = tally.get(card.team.pk, [0, 0])
            card.scores.append(Score(practice, met, total))
    return cards
