"""seed_demo gives a manager a living PDCA history, and running it twice changes nothing."""

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from governance.models import (
    Action,
    AgendaItem,
    FeedbackItem,
    KpiProfile,
    KpiTarget,
    Plan,
    ReviewMeeting,
    Skill,
    SkillRating,
    Strategy,
    Vision,
)

pytestmark = pytest.mark.django_db


def counts():
    models = [
        Vision,
        Strategy,
        Plan,
        Action,
        KpiProfile,
        KpiTarget,
        ReviewMeeting,
        AgendaItem,
        FeedbackItem,
        Skill,
        SkillRating,
    ]
    return {m.__name__: m.objects.count() for m in models}


def test_seed_demo_builds_the_pdca_history_idempotently(today):
    call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    first = counts()
    assert first["Strategy"] == 2 and first["Vision"] >= 1
    assert Strategy.objects.exclude(strengths="").exclude(threats="").count() == 2
    assert 6 <= first["KpiProfile"] <= 8 and first["KpiTarget"] > first["KpiProfile"]
    closed = ReviewMeeting.objects.filter(state="closed")
    assert closed.count() == 3
    assert AgendaItem.objects.filter(review__in=closed).exclude(decision="").count() == 3
    assert Action.objects.overdue(today).exists()
    assert all(p.budget_rows.exists() for p in Plan.objects.exclude(budget=0))
    assert FeedbackItem.objects.filter(direction="to_operations").exists()
    assert FeedbackItem.objects.filter(direction="to_management").exists()
    # the skills matrices tell the inventory's story: Marketo and GTM depend on one person
    from governance.selectors import skill_matrix
    from mops.models import Team

    manager = get_user_model().objects.get(username="manager")
    ops_matrix = skill_matrix(user=manager, team=Team.objects.get(slug="marketing-ops"))
    assert {s.tool.name for s in ops_matrix.at_risk if s.tool} == {"Marketo", "GTM"}
    assert first["SkillRating"] > first["Skill"] >= 7
    call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert counts() == first
