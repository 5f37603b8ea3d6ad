"""Escalation timing with a frozen clock: start after the severity's window, step delays,
repeats, the policy snapshot, and stopping on acknowledge."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core import mail

from operations.models import EscalationStep, EventKind, Notification
from operations.services import incidents as svc
from operations.services.escalation import escalate_due

from .incident_support import S, eager_tasks, escalation_policy, severity_policy  # noqa: F401

T0 = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)


@pytest.fixture
def setup(org):
    team = org["teams"][S]
    ops, manager = org["users"]["ops"], org["users"]["manager"]
    severity_policy(None, "sev2", ack=15, after=10)
    policy = escalation_policy(
        team,
        repeat=1,
        steps=[
            {"delay_minutes": 0, "notify_user": ops},
            {"delay_minutes": 5, "notify_user": manager},
        ],
    )
    return {"team": team, "ops": ops, "manager": manager, "policy": policy}


def _raise(setup):
    incident, _ = svc.raise_alert(
        dedup_key="esc", title="Marketo sync late", team=setup["team"], severity="sev2"
    )
    return incident


def _recipients(incident):
    return list(
        Notification.objects.filter(incident=incident)
        .order_by("pk")
        .values_list("recipient", flat=True)
    )


@pytest.mark.django_db
def test_nothing_escalates_before_the_severity_window(setup):
    with time_machine.travel(T0, tick=False):
        incident = _raise(setup)
        assert incident.next_escalation_at == T0 + timedelta(minutes=10)
    with time_machine.travel(T0 + timedelta(minutes=9, seconds=59), tick=False):
        assert escalate_due() == 0
    assert Notification.objects.count() == 0


@pytest.mark.django_db
@pytest.mark.usefixtures("eager_tasks")
def test_steps_follow_their_delays_and_repeat_then_stop(setup, django_capture_on_commit_callbacks):
    with time_machine.travel(T0, tick=False):
        incident = _raise(setup)
    with django_capture_on_commit_callbacks(execute=True):
        # minute 10: escalation starts, step 1 (delay 0) fires at once
        with time_machine.travel(T0 + timedelta(minutes=10), tick=False):
            assert escalate_due() == 1
            assert _recipients(incident) == ["ops@example.jp"]
            assert escalate_due() == 0  # idempotent: nothing more is due
        # step 2 waits 5 minutes
        with time_machine.travel(T0 + timedelta(minutes=14), tick=False):
            assert escalate_due() == 0
        with time_machine.travel(T0 + timedelta(minutes=15), tick=False):
            assert escalate_due() == 1
        # round 2 starts ROUND_GAP_MINUTES (5) after the last step, though step 1 has delay 0
        with time_machine.travel(T0 + timedelta(minutes=19), tick=False):
            assert escalate_due() == 0
        with time_machine.travel(T0 + timedelta(minutes=20), tick=False):
            assert escalate_due() == 1
        with time_machine.travel(T0 + timedelta(minutes=25), tick=False):
            assert escalate_due() == 1
        incident.refresh_from_db()
        assert incident.next_escalation_at is None  # repeat_count=1: two rounds, then done
        with time_machine.travel(T0 + timedelta(hours=2), tick=False):
            assert escalate_due() == 0
    assert _recipients(incident) == [
        "ops@example.jp",
        "manager@example.jp",
        "ops@example.jp",
        "manager@example.jp",
    ]
    # sent by the (eager) task after commit, each on the timeline
    assert len(mail.outbox) == 4
    assert "SEV2" in mail.outbox[0].subject and "Marketo sync late" in mail.outbox[0].subject
    assert incident.events.filter(kind=EventKind.NOTIFICATION).count() == 4
    assert incident.events.filter(kind=EventKind.ESCALATION).count() == 6  # start+4 steps+end


@pytest.mark.django_db
def test_acknowledge_stops_the_escalation(setup):
    with time_machine.travel(T0, tick=False):
        incident = _raise(setup)
    with time_machine.travel(T0 + timedelta(minutes=10), tick=False):
        escalate_due()
    with time_machine.travel(T0 + timedelta(minutes=12), tick=False):
        svc.acknowledge(incident=incident, by=setup["ops"])
    with time_machine.travel(T0 + timedelta(hours=1), tick=False):
        assert escalate_due() == 0
    assert _recipients(incident) == ["ops@example.jp"]


@pytest.mark.django_db
def test_editing_the_policy_mid_incident_does_not_change_the_running_escalation(setup):
    with time_machine.travel(T0, tick=False):
        incident = _raise(setup)
    with time_machine.travel(T0 + timedelta(minutes=10), tick=False):
        escalate_due()
    # someone edits the policy: step 2 now notifies ops after 60 minutes
    EscalationStep.objects.filter(policy=setup["policy"], order=2).update(
        notify_user=setup["ops"], delay_minutes=60
    )
    with time_machine.travel(T0 + timedelta(minutes=15), tick=False):
        assert escalate_due() == 1  # step 2 as snapshotted: after 5 minutes, to the manager
    assert _recipients(incident) == ["ops@example.jp", "manager@example.jp"]
    incident.refresh_from_db()
    assert incident.escalation_snapshot["steps"][1]["notify_user"] == "manager"


@pytest.mark.django_db
def test_team_policy_overrides_the_default_window(setup):
    severity_policy(setup["team"], "sev2", ack=5, after=2)
    with time_machine.travel(T0, tick=False):
        incident = _raise(setup)
    assert incident.next_escalation_at == T0 + timedelta(minutes=2)


@pytest.mark.django_db
def test_no_policy_means_no_escalation_but_a_timeline_note(org):
    severity_policy(None, "sev2", ack=15, after=10)
    with time_machine.travel(T0, tick=False):
        incident, _ = svc.raise_alert(
            dedup_key="x", title="t", team=org["teams"][S], severity="sev2"
        )
    with time_machine.travel(T0 + timedelta(minutes=11), tick=False):
        assert escalate_due() == 0
    incident.refresh_from_db()
    assert incident.next_escalation_at is None
    assert incident.events.filter(kind=EventKind.ESCALATION).count() == 1


@pytest.mark.django_db
def test_role_step_notifies_the_team_members_with_that_role(setup):
    setup["policy"].steps.all().delete()
    EscalationStep.objects.create(policy=setup["policy"], order=1, notify_role="ops")
    with time_machine.travel(T0, tick=False):
        incident = _raise(setup)
    with time_machine.travel(T0 + timedelta(minutes=10), tick=False):
        escalate_due()
    assert _recipients(incident) == ["ops@example.jp"]
