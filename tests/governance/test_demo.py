"""seed_demo gives a manager a living PDCA history, and running it twice changes nothing."""

import pytest
from django.core.management import call_command

from governance.models import (
    Action,
    AgendaItem,
    FeedbackItem,
    KpiProfile,
    KpiTarget,
    Plan,
    ReviewMeeting,
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
    call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert counts() == first
