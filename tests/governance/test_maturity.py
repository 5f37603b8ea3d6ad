"""The maturity scorecard: levels computed from the portal's evidence, team by team."""

from __future__ import annotations

import datetime

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from analytics.services.recompute import recompute_kpis
from governance.maturity import level_for, scorecards
from governance.models import Action, ReviewMeeting
from mops.permissions import grant_team_access
from operations.models import AssignmentRole, Runbook, Tool, ToolAssignment

from .conftest import TODAY

URL = reverse("governance:maturity")


def tool(team, name, *, owners, runbook, retired=False):
    made = Tool.objects.create(
        team=team, name=name, category="analytics", lifecycle="retired" if retired else "active"
    )
    grant_team_access(team, made)
    roles = [AssignmentRole.OWNER, AssignmentRole.BACKUP_OWNER]
    for user, role in zip(owners, roles, strict=False):
        ToolAssignment.objects.create(tool=made, user=user, role=role)
    if runbook:
        Runbook.objects.create(title=f"{name} recovery", team=team).tools.add(made)
    return made


def review(team, weeks_ago, state="closed"):
    day = TODAY - datetime.timedelta(weeks=weeks_ago)
    made = ReviewMeeting.objects.create(
        title=f"Review {weeks_ago}",
        team=team,
        period_start=day - datetime.timedelta(days=7),
        period_end=day - datetime.timedelta(days=1),
        meeting_date=day,
        state=state,
    )
    grant_team_access(team, made)


def action(team, owner, days_ago, status):
    made = Action.objects.create(
        title=f"Action {days_ago} {status}",
        team=team,
        owner=owner,
        due_date=TODAY - datetime.timedelta(days=days_ago),
        status=status,
    )
    grant_team_access(team, made)


@pytest.fixture
def evidence(world):
    team, users = world["team"], world["users"]
    two = [users["manager"], users["marketer"]]
    tool(team, "GA4", owners=two, runbook=True)
    tool(team, "Google Ads", owners=two, runbook=True)
    tool(team, "Yahoo Ads", owners=[users["marketer"]], runbook=True)
    tool(team, "Looker", owners=[], runbook=False)
    tool(team, "Old MA", owners=[], runbook=False, retired=True)  # not counted
    recompute_kpis()  # both KPIs get current values from the facts
    for weeks_ago in (0, 1, 2, 3, 5, 6):
        review(team, weeks_ago)
    review(team, 10)  # before the eight weeks
    review(team, 4, state="draft")  # not held
    for days_ago, status in ((5, "done"), (30, "done"), (60, "done"), (10, "open")):
        action(team, users["manager"], days_ago, status)
    action(team, users["manager"], 20, "cancelled")  # not counted
    action(team, users["manager"], -5, "open")  # not due yet
    action(team, users["manager"], 120, "open")  # before the 90 days
    return world


def by_practice(card):
    return {s.practice.key: s for s in card.scores}


def test_levels_from_shares():
    assert [level_for(s) for s in (0, 0.24, 0.25, 0.5, 0.74, 0.75, 0.9, 1)] == [
        1, 1, 2, 3, 3, 4, 5, 5,
    ]  # fmt: skip


@pytest.mark.django_db
def test_each_practice_counts_its_evidence_and_the_team_is_at_its_weakest(evidence):
    cards = scorecards(user=evidence["users"]["manager"], today=TODAY)
    team_cards = {c.team.slug: c for c in cards if c.team}
    assert list(team_cards) == ["digital-marketing"]  # the only team with evidence
    scores = by_practice(team_cards["digital-marketing"])
    assert (scores["runbook_coverage"].met, scores["runbook_coverage"].total) == (3, 4)
    assert (scores["owner_redundancy"].met, scores["owner_redundancy"].total) == (2, 4)
    assert (scores["kpi_automation"].met, scores["kpi_automation"].total) == (2, 2)
    assert (scores["pdca_cadence"].met, scores["pdca_cadence"].total) == (6, 8)
    assert (scores["actions_closed"].met, scores["actions_closed"].total) == (3, 4)
    assert [scores[k].level for k in scores] == [4, 3, 5, 4, None, 4]  # no skills listed
    assert team_cards["digital-marketing"].level == 3
    assert scores["runbook_coverage"].evidence == "3 of 4 tools in use have a runbook"
    # the organisation's card adds up the teams
    assert cards[0].team is None and cards[0].level == 3


@pytest.mark.django_db
def test_a_stale_kpi_and_missed_reviews_lower_the_level(evidence):
    later = TODAY + datetime.timedelta(days=60)  # nothing recomputed, no review since
    cards = scorecards(user=evidence["users"]["manager"], today=later)
    scores = by_practice(cards[1])
    assert scores["kpi_automation"].met == 0 and scores["kpi_automation"].level == 1
    assert scores["pdca_cadence"].met == 0
    assert cards[1].level == 1 and cards[1].level_name == "Initial"


@pytest.mark.django_db
def test_a_team_with_no_evidence_is_not_judged(org):
    cards = scorecards(user=org["users"]["manager"], today=TODAY)
    assert [c.team for c in cards] == [None]
    assert cards[0].level is None
    assert all(not s.has_evidence and s.level is None for s in cards[0].scores)


@pytest.mark.django_db
def test_people_see_only_their_teams_evidence(evidence):
    ops = evidence["users"]["ops"]  # marketing-ops only
    cards = scorecards(user=ops, today=TODAY)
    assert [c.team for c in cards] == [None]
    assert by_practice(cards[0])["runbook_coverage"].total == 0


@pytest.mark.django_db
def test_query_count_does_not_grow_with_teams_and_tools(evidence, django_assert_num_queries):
    manager = evidence["users"]["manager"]
    scorecards(user=manager, today=TODAY)
    with CaptureQueriesContext(connection) as before:
        scorecards(user=manager, today=TODAY)
    ops_team = evidence["teams"]["marketing-ops"]
    for i in range(5):
        tool(ops_team, f"Ops tool {i}", owners=[evidence["users"]["ops"]], runbook=i % 2 == 0)
    review(ops_team, 1)
    cards = scorecards(user=manager, today=TODAY)
    assert len(cards) == 3
    with django_assert_num_queries(len(before)):
        scorecards(user=manager, today=TODAY)


@pytest.mark.django_db
def test_the_page_shows_levels_evidence_and_where_to_improve(client, evidence):
    client.force_login(evidence["users"]["manager"])
    html = client.get(URL).content.decode()
    assert 'data-team="digital-marketing"' in html and 'data-level="3"' in html
    assert "Level 3 · Defined" in html and "2 of 4 tools in use have two or more owners" in html
    assert reverse("operations:tool_list") + "?flag=no_runbook" in html
    home = client.get(reverse("governance:index")).content.decode()
    assert f'href="{URL}"' in home
    ja = client.get(URL, headers={"accept-language": "ja"}).content.decode()
    assert "成熟度スコアカード" in ja and "レベル 3" in ja


@pytest.mark.django_db
def test_the_page_needs_governance_access(client, org):
    nobody = get_user_model().objects.create_user("nobody", password="x")
    client.force_login(nobody)
    assert client.get(URL).status_code == 403


@pytest.mark.django_db
def test_reviews_are_expected_of_teams_that_steer_kpis_or_actions_only(evidence):
    ops_team = evidence["teams"]["marketing-ops"]
    tool(ops_team, "Salesforce", owners=[evidence["users"]["ops"]], runbook=True)
    cards = {
        c.team.slug: c for c in scorecards(user=evidence["users"]["manager"], today=TODAY) if c.team
    }
    assert not by_practice(cards["marketing-ops"])["pdca_cadence"].has_evidence
    assert by_practice(cards["digital-marketing"])["pdca_cadence"].total == 8
    action(ops_team, evidence["users"]["ops"], 3, "open")
    cards = {
        c.team.slug: c for c in scorecards(user=evidence["users"]["manager"], today=TODAY) if c.team
    }
    assert by_practice(cards["marketing-ops"])["pdca_cadence"].total == 8
