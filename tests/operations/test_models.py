"""Model invariants of operations: database constraints hold even when Python checks are skipped."""

from __future__ import annotations

import datetime

import pytest
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django_celery_beat.models import PeriodicTask

from analytics.models import Metric
from operations.models import (
    AssignmentRole,
    Check,
    CheckKind,
    CheckResult,
    CheckState,
    EscalationPolicy,
    EscalationStep,
    ExecutionOutcome,
    Flip,
    Incident,
    IncidentEvent,
    IncidentState,
    Integration,
    MaintenanceWindow,
    Notification,
    Postmortem,
    ResultStatus,
    Runbook,
    RunbookExecution,
    RunbookStep,
    RunbookVersion,
    SeverityPolicy,
    StepKind,
    Tool,
    ToolAssignment,
)

pytestmark = pytest.mark.django_db


def refused():
    """Expect the database to refuse the statement, keeping the test's transaction usable."""

    class _Refused:
        def __enter__(self):
            self._raises = pytest.raises(IntegrityError)
            self._raises.__enter__()
            self._atomic = transaction.atomic()
            self._atomic.__enter__()

        def __exit__(self, *exc):
            self._atomic.__exit__(*exc)
            return self._raises.__exit__(*exc)

    return _Refused()


@pytest.fixture
def team(teams):
    return teams["marketing-ops"]


@pytest.fixture
def tool(team):
    return Tool.objects.create(name="Salesforce", category="crm", vendor="Salesforce", team=team)


@pytest.fixture
def heartbeat(team, tool):
    return Check.objects.create(
        name="Nightly export", kind=CheckKind.HEARTBEAT, tool=tool, team=team
    )


def make_incident(team, **kwargs) -> Incident:
    return Incident.objects.create(title=kwargs.pop("title", "Tag down"), team=team, **kwargs)


# --- checks -------------------------------------------------------------------------------


def test_negative_grace_is_refused_by_the_database(team):
    with refused():
        Check.objects.create(name="x", kind=CheckKind.HEARTBEAT, team=team, grace_seconds=-1)


def test_negative_grace_is_a_field_error_in_full_clean(team):
    check = Check(name="x", kind=CheckKind.HEARTBEAT, team=team, grace_seconds=-5)
    with pytest.raises(ValidationError) as info:
        check.full_clean()
    assert "grace_seconds" in info.value.message_dict


def test_zero_period_is_refused(team):
    with refused():
        Check.objects.create(name="x", kind=CheckKind.HEARTBEAT, team=team, period_seconds=0)


def test_zero_grace_is_allowed(team):
    check = Check.objects.create(name="x", kind=CheckKind.HEARTBEAT, team=team, grace_seconds=0)
    assert check.state == CheckState.NEW
    assert check.uuid is not None


def test_http_check_needs_a_url(team):
    with refused():
        Check.objects.create(name="site", kind=CheckKind.HTTP, team=team)
    Check.objects.create(name="site", kind=CheckKind.HTTP, team=team, url="https://example.com/")


def test_freshness_check_needs_age_and_a_source_or_campaign(team):
    with refused():
        Check.objects.create(name="f", kind=CheckKind.FRESHNESS, team=team, max_age_hours=24)
    with refused():
        Check.objects.create(
            name="f", kind=CheckKind.FRESHNESS, team=team, freshness_source="google_ads"
        )
    Check.objects.create(
        name="f",
        kind=CheckKind.FRESHNESS,
        team=team,
        freshness_source="google_ads",
        max_age_hours=24,
    )


def test_threshold_check_needs_a_metric_and_a_condition(team):
    clicks = Metric.objects.get(key="clicks")
    with refused():
        Check.objects.create(name="t", kind=CheckKind.THRESHOLD, team=team, min_value=1)
    with refused():
        Check.objects.create(name="t", kind=CheckKind.THRESHOLD, team=team, metric=clicks)
    with refused():
        Check.objects.create(
            name="t", kind=CheckKind.THRESHOLD, team=team, metric=clicks, min_value=10, max_value=1
        )
    Check.objects.create(
        name="t", kind=CheckKind.THRESHOLD, team=team, metric=clicks, use_anomaly_rule=True
    )


def test_failure_rate_needs_a_window_and_a_sane_value(team):
    with refused():
        Check.objects.create(name="r", kind=CheckKind.HEARTBEAT, team=team, failure_rate=0.5)
    with refused():
        Check.objects.create(
            name="r", kind=CheckKind.HEARTBEAT, team=team, failure_rate=1.5, window_minutes=60
        )
    Check.objects.create(
        name="r", kind=CheckKind.HEARTBEAT, team=team, failure_rate=0.5, window_minutes=60
    )


def test_check_state_outside_the_value_set_is_refused(heartbeat):
    with refused():
        Check.objects.filter(pk=heartbeat.pk).update(state="broken")


def test_flip_must_change_state(heartbeat):
    with refused():
        Flip.objects.create(monitor=heartbeat, old_state="up", new_state="up")
    flip = Flip.objects.create(monitor=heartbeat, old_state="new", new_state="up", reason="ping")
    assert str(flip) == "Nightly export: new → up"


def test_check_result_status_unknown_has_no_ok(heartbeat):
    result = CheckResult.objects.create(monitor=heartbeat, status=ResultStatus.UNKNOWN)
    assert result.ok is None
    assert CheckResult(monitor=heartbeat, status=ResultStatus.DOWN).ok is False
    with refused():
        CheckResult.objects.create(monitor=heartbeat, status="maybe")


# --- incidents ----------------------------------------------------------------------------


def test_second_open_incident_with_same_dedup_key_is_refused(team):
    make_incident(team, dedup_key="check:1")
    with refused():
        make_incident(team, dedup_key="check:1")


@pytest.mark.parametrize("finished", [IncidentState.RESOLVED, IncidentState.CLOSED])
def test_dedup_key_is_free_again_once_the_incident_is_resolved(team, finished):
    first = make_incident(team, dedup_key="check:1")
    Incident.objects.filter(pk=first.pk).update(state=finished)
    second = make_incident(team, dedup_key="check:1")
    assert second.is_open
    with refused():
        Incident.objects.filter(pk=first.pk).update(state=IncidentState.ACKNOWLEDGED)


def test_incidents_without_dedup_key_never_collide(team):
    make_incident(team)
    make_incident(team)
    assert Incident.objects.count() == 2


@pytest.mark.parametrize("state", [IncidentState.ACKNOWLEDGED, IncidentState.MITIGATED])
def test_dedup_key_is_held_in_every_open_state(team, state):
    first = make_incident(team, dedup_key="api:x")
    Incident.objects.filter(pk=first.pk).update(state=state)
    with refused():
        make_incident(team, dedup_key="api:x")


def test_unknown_severity_and_state_are_refused(team):
    with refused():
        make_incident(team, severity="sev5")
    incident = make_incident(team, severity="sev1")
    with refused():
        Incident.objects.filter(pk=incident.pk).update(state="open")


def test_incident_str_and_defaults(team):
    incident = make_incident(team, title="GTM container down", severity="sev2")
    assert incident.state == IncidentState.TRIGGERED
    assert incident.alert_count == 1
    assert str(incident) == f"#{incident.pk} [SEV2 (major)] GTM container down"
    event = IncidentEvent.objects.create(incident=incident, kind="comment", message="looking")
    assert "Comment" in str(event)
    postmortem = Postmortem.objects.create(incident=incident, summary="s")
    assert str(postmortem) == f"Postmortem of {incident}"


def test_severity_policy_one_default_per_severity(team):
    SeverityPolicy.objects.create(severity="sev1", ack_minutes=5, escalate_after_minutes=5)
    SeverityPolicy.objects.create(
        team=team, severity="sev1", ack_minutes=10, escalate_after_minutes=5
    )
    with refused():
        SeverityPolicy.objects.create(severity="sev1", ack_minutes=15, escalate_after_minutes=5)
    with refused():
        SeverityPolicy.objects.create(severity="sev2", ack_minutes=0, escalate_after_minutes=5)


def test_escalation_step_needs_a_target(team, users):
    policy = EscalationPolicy.objects.create(team=team, name="Ops primary", is_default=True)
    with refused():
        EscalationStep.objects.create(policy=policy, order=1)
    step = EscalationStep.objects.create(policy=policy, order=1, notify_user=users["ops"])
    assert str(step) == "Ops primary #1"
    with refused():
        EscalationPolicy.objects.create(team=team, name="Second default", is_default=True)


def test_notification_status_value_set(team):
    incident = make_incident(team)
    note = Notification.objects.create(incident=incident, kind="email", recipient="ops@example.com")
    assert str(note) == "Email → ops@example.com (Pending)"
    with refused():
        Notification.objects.filter(pk=note.pk).update(status="lost")


# --- inventory, runbooks, maintenance -----------------------------------------------------


def test_tool_assignment_unique_per_tool_user_role(tool, users):
    ToolAssignment.objects.create(tool=tool, user=users["ops"], role=AssignmentRole.OWNER)
    ToolAssignment.objects.create(tool=tool, user=users["ops"], role=AssignmentRole.ADMIN)
    with refused():
        ToolAssignment.objects.create(tool=tool, user=users["ops"], role=AssignmentRole.OWNER)


def test_tool_value_sets_and_cost(team, tool):
    assert str(tool) == "Salesforce"
    with refused():
        Tool.objects.create(name="X", category="crm", lifecycle="zombie", team=team)
    with refused():
        Tool.objects.create(name="Y", category="fax", team=team)
    with refused():
        Tool.objects.create(name="Z", team=team, monthly_cost=-1)


def test_integration_cannot_point_at_itself(team, tool):
    marketo = Tool.objects.create(name="Marketo", category="ma", team=team)
    flow = Integration.objects.create(source=marketo, target=tool, data_flow="leads")
    assert str(flow) == "Marketo → Salesforce (leads)"
    with refused():
        Integration.objects.create(source=tool, target=tool, data_flow="loop")


def test_runbook_versions_and_steps(team, users, tool):
    runbook = Runbook.objects.create(title="Tag outage", team=team, owner=users["ops"])
    runbook.tools.add(tool)
    version = RunbookVersion.objects.create(runbook=runbook, number=1, body_markdown="# Steps")
    assert str(version) == "Tag outage v1"
    with refused():
        RunbookVersion.objects.create(runbook=runbook, number=1)
    with refused():
        RunbookStep.objects.create(version=version, order=1, title="Go", kind=StepKind.APPROVAL)
    step = RunbookStep.objects.create(
        version=version, order=1, title="Approve", kind=StepKind.APPROVAL, approver_role="manager"
    )
    assert str(step) == "1. Approve"
    assert not runbook.is_stale
    runbook.last_reviewed_at = timezone.now() - datetime.timedelta(days=91)
    assert runbook.is_stale


def test_execution_finishes_with_an_outcome_after_it_started(team, users):
    runbook = Runbook.objects.create(title="Restart sync", team=team)
    version = RunbookVersion.objects.create(runbook=runbook, number=1)
    started = timezone.now()
    execution = RunbookExecution.objects.create(
        runbook=runbook, version=version, started_by=users["ops"], started_at=started
    )
    assert execution.duration is None
    with refused():
        RunbookExecution.objects.filter(pk=execution.pk).update(finished_at=timezone.now())
    with refused():
        RunbookExecution.objects.filter(pk=execution.pk).update(
            finished_at=started - datetime.timedelta(minutes=1), outcome=ExecutionOutcome.SUCCESS
        )
    RunbookExecution.objects.filter(pk=execution.pk).update(
        finished_at=started + datetime.timedelta(minutes=7), outcome=ExecutionOutcome.SUCCESS
    )
    execution.refresh_from_db()
    assert execution.duration == datetime.timedelta(minutes=7)


def test_maintenance_window_must_end_after_it_starts(team, tool):
    start = timezone.now()
    with refused():
        MaintenanceWindow.objects.create(
            tool=tool, team=team, title="Patch", starts_at=start, ends_at=start
        )
    with refused():
        MaintenanceWindow.objects.create(
            tool=tool,
            team=team,
            title="Patch",
            starts_at=start,
            ends_at=start - datetime.timedelta(hours=1),
        )
    window = MaintenanceWindow(
        tool=tool, team=team, title="Patch", starts_at=start, ends_at=start - datetime.timedelta(1)
    )
    with pytest.raises(ValidationError, match="must end after it starts"):
        window.full_clean()
    window.ends_at = start + datetime.timedelta(hours=2)
    window.save()
    assert str(window) == "Salesforce: Patch"


def test_history_is_kept_for_edited_models(tool, heartbeat, team):
    tool.vendor = "Salesforce, Inc."
    tool.save()
    assert tool.history.count() == 2
    assert heartbeat.history.count() == 1
    assert make_incident(team).history.count() == 1


# --- roles and schedule -------------------------------------------------------------------


def test_ops_manage_and_other_roles_read(org):
    ops = Group.objects.get(name="ops").permissions.filter(content_type__app_label="operations")
    codenames = set(ops.values_list("codename", flat=True))
    assert {"change_incident", "add_runbook", "change_check", "view_maintenancewindow"} <= codenames
    for role in ("marketer", "manager"):
        perms = set(
            Group.objects.get(name=role)
            .permissions.filter(content_type__app_label="operations")
            .values_list("codename", flat=True)
        )
        assert "view_incident" in perms
        assert "view_tool" in perms
        assert not {p for p in perms if not p.startswith("view_")}


def test_periodic_tasks_are_scheduled():
    tasks = dict(
        PeriodicTask.objects.filter(task__startswith="operations.").values_list("task", "enabled")
    )
    assert set(tasks) == {
        "operations.tasks.evaluate_checks",
        "operations.tasks.escalate_incidents",
        "operations.tasks.send_due_notifications",
        "operations.tasks.prune_check_results",
    }
    evaluate = PeriodicTask.objects.get(task="operations.tasks.evaluate_checks")
    assert evaluate.interval.every == 1
    assert evaluate.interval.period == "minutes"
