"""Heartbeat checks: new → up on a ping → late after the period → down after the grace → up."""

from __future__ import annotations

import datetime

import pytest
import time_machine
from django.utils import timezone

from operations.models import CheckResult, CheckState, Flip, Incident, IncidentState, PingKind
from operations.services.evaluation import evaluate_due_checks
from operations.services.monitoring import pause_check, record_ping, resume_check

from .inventory_factories import make_check, make_tool

pytestmark = pytest.mark.django_db

T0 = datetime.datetime(2026, 11, 2, 9, 0, tzinfo=datetime.UTC)


def _at(minutes: float) -> datetime.datetime:
    return T0 + datetime.timedelta(minutes=minutes)


def _state(check):
    check.refresh_from_db()
    return check.state


def test_heartbeat_goes_new_up_late_down_up(teams, django_capture_on_commit_callbacks):
    team = teams["marketing-ops"]
    tool = make_tool(team, "BigQuery", category="bi")
    with time_machine.travel(T0, tick=False):
        check = make_check(
            team, tool=tool, period_seconds=3600, grace_seconds=600, interval_seconds=3600
        )
        evaluate_due_checks(timezone.now())
        assert _state(check) == CheckState.NEW  # never pinged: nothing to judge
        assert not CheckResult.objects.filter(monitor=check).exists()

    with time_machine.travel(_at(5), tick=False):
        with django_capture_on_commit_callbacks(execute=True):
            record_ping(check=check)
        assert _state(check) == CheckState.UP

    with time_machine.travel(_at(5 + 59), tick=False):
        evaluate_due_checks(timezone.now())
        assert _state(check) == CheckState.UP  # within the period

    with time_machine.travel(_at(5 + 61), tick=False):
        evaluate_due_checks(timezone.now())
        assert _state(check) == CheckState.LATE  # past the period, within the grace
        assert not Incident.objects.exists()  # late does not page anyone

    with time_machine.travel(_at(5 + 71), tick=False):
        evaluate_due_checks(timezone.now())
        assert _state(check) == CheckState.DOWN  # past period + grace
        incident = Incident.objects.get(dedup_key=f"check:{check.uuid}")
        assert incident.state == IncidentState.TRIGGERED

    with time_machine.travel(_at(80), tick=False):
        with django_capture_on_commit_callbacks(execute=True):
            record_ping(check=check)
        assert _state(check) == CheckState.UP
        incident.refresh_from_db()
        assert incident.state == IncidentState.RESOLVED

    states = list(
        Flip.objects.filter(monitor=check).order_by("at").values_list("new_state", flat=True)
    )
    assert states == ["up", "late", "down", "up"]


def test_a_fail_ping_marks_the_check_down_and_the_next_success_recovers(teams):
    team = teams["marketing-ops"]
    with time_machine.travel(T0, tick=False):
        check = make_check(team)
        record_ping(check=check)
        record_ping(check=check, kind=PingKind.FAIL)
        assert _state(check) == CheckState.DOWN
        evaluate_due_checks(timezone.now() + datetime.timedelta(minutes=10))
        assert _state(check) == CheckState.DOWN  # the evaluator reads the failed ping too
        record_ping(check=check)
        assert _state(check) == CheckState.UP


def test_a_start_ping_is_recorded_without_changing_state(teams):
    check = make_check(teams["marketing-ops"])
    record_ping(check=check, kind=PingKind.START)
    assert _state(check) == CheckState.NEW
    assert check.pings.count() == 1


def test_pause_stops_evaluation_and_a_ping_resumes(teams):
    team = teams["marketing-ops"]
    with time_machine.travel(T0, tick=False):
        check = make_check(team)
        record_ping(check=check)
        pause_check(check=check)
        assert _state(check) == CheckState.PAUSED
    with time_machine.travel(_at(500), tick=False):
        evaluate_due_checks(timezone.now())
        assert _state(check) == CheckState.PAUSED  # long overdue, but paused
        record_ping(check=check)
        assert _state(check) == CheckState.UP


def test_resume_returns_to_new(teams):
    check = make_check(teams["marketing-ops"])
    pause_check(check=check)
    resume_check(check=check)
    assert _state(check) == CheckState.NEW
    assert list(check.flips.order_by("at").values_list("new_state", flat=True)) == [
        "paused",
        "new",
    ]
