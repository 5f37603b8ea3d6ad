"""Executions: steps in order, approvals by their role, decisions recorded, finishing, incidents."""

from __future__ import annotations

import datetime

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from operations.models import EventKind, IncidentEvent, RunbookExecution, StepRun
from operations.selectors.runbooks import (
    execution_steps,
    single_executor_runbooks,
    tools_without_runbook,
)
from operations.services.runbooks import (
    check_off_step,
    finish_execution,
    start_execution,
    update_runbook,
)

from .runbook_fixtures import *  # noqa: F403 - the runbook fixtures

pytestmark = pytest.mark.django_db


def steps_of(execution):
    return list(execution.version.steps.order_by("order"))


def run_until_approval(execution, ops):
    s1, s2, *_ = steps_of(execution)
    check_off_step(execution=execution, step=s1, by=ops, note="v42 published at 10:02")
    check_off_step(execution=execution, step=s2, by=ops, decision="Roll back to v41")


def test_start_runs_the_current_version(runbook, ops):
    execution = start_execution(runbook=runbook, by=ops)
    assert execution.version == runbook.current_version and execution.started_by == ops
    update_runbook(runbook=runbook, by=ops, body_markdown="changed")
    execution.refresh_from_db()
    assert execution.version.number == 1  # an edit does not change a running execution


def test_steps_are_checked_off_in_order(runbook, ops):
    execution = start_execution(runbook=runbook, by=ops)
    s1, s2, _s3, _s4 = steps_of(execution)
    with pytest.raises(ValidationError) as exc:
        check_off_step(execution=execution, step=s2, by=ops, decision="x")
    assert "first" in exc.value.message_dict["step"][0]
    assert not StepRun.objects.exists()
    run = check_off_step(execution=execution, step=s1, by=ops, note="done")
    assert run.done_by == ops and run.note == "done"
    with pytest.raises(ValidationError):
        check_off_step(execution=execution, step=s1, by=ops)
    assert StepRun.objects.count() == 1


def test_a_decision_step_records_the_decision_taken(runbook, ops):
    execution = start_execution(runbook=runbook, by=ops)
    s1, s2, *_ = steps_of(execution)
    check_off_step(execution=execution, step=s1, by=ops)
    with pytest.raises(ValidationError) as exc:
        check_off_step(execution=execution, step=s2, by=ops, decision="  ")
    assert "decision" in exc.value.message_dict
    run = check_off_step(execution=execution, step=s2, by=ops, decision="Roll back to v41")
    assert run.decision == "Roll back to v41"


def test_approval_by_the_wrong_role_is_refused(runbook, ops, users):
    execution = start_execution(runbook=runbook, by=ops)
    run_until_approval(execution, ops)
    approval = steps_of(execution)[2]
    for user in (ops, users["marketer"], users["admin"]):
        with pytest.raises((ValidationError, PermissionDenied)):
            check_off_step(execution=execution, step=approval, by=user)
    assert not StepRun.objects.filter(step=approval).exists()


def test_the_step_after_an_approval_waits_for_it(runbook, ops, users):
    execution = start_execution(runbook=runbook, by=ops)
    run_until_approval(execution, ops)
    _s1, _s2, approval, publish = steps_of(execution)
    with pytest.raises(ValidationError):
        check_off_step(execution=execution, step=publish, by=ops)
    run = check_off_step(execution=execution, step=approval, by=users["manager"], note="OK")
    assert run.approved_by == users["manager"]
    check_off_step(execution=execution, step=publish, by=ops)
    lines = execution_steps(execution)
    assert all(line.done for line in lines)


def test_a_manager_may_approve_but_not_do_the_ops_steps(runbook, ops, users):
    execution = start_execution(runbook=runbook, by=ops)
    with pytest.raises(PermissionDenied):
        check_off_step(execution=execution, step=steps_of(execution)[0], by=users["manager"])


def test_other_teams_cannot_run_or_check_off(runbook, ops, other_ops, users):
    with pytest.raises(PermissionDenied):
        start_execution(runbook=runbook, by=other_ops)
    with pytest.raises(PermissionDenied):
        start_execution(runbook=runbook, by=users["marketer"])
    execution = start_execution(runbook=runbook, by=ops)
    with pytest.raises(PermissionDenied):
        check_off_step(execution=execution, step=steps_of(execution)[0], by=other_ops)
    assert RunbookExecution.objects.count() == 1 and not StepRun.objects.exists()


def test_finishing_records_outcome_and_duration(runbook, ops, users):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        execution = start_execution(runbook=runbook, by=ops)
    with time_machine.travel(start + datetime.timedelta(minutes=5), tick=False):
        run_until_approval(execution, ops)
        check_off_step(execution=execution, step=steps_of(execution)[2], by=users["manager"])
        check_off_step(execution=execution, step=steps_of(execution)[3], by=ops)
    with time_machine.travel(start + datetime.timedelta(minutes=42), tick=False):
        finish_execution(execution=execution, by=ops, outcome="success", notes="Back to normal")
    execution.refresh_from_db()
    assert execution.outcome == "success"
    assert execution.duration == datetime.timedelta(minutes=42)
    assert "Back to normal" in execution.notes
    with pytest.raises(ValidationError):
        finish_execution(execution=execution, by=ops, outcome="failed")
    execution.refresh_from_db()
    assert execution.outcome == "success"


def test_success_needs_every_step_but_other_outcomes_do_not(runbook, ops):
    execution = start_execution(runbook=runbook, by=ops)
    with pytest.raises(ValidationError) as exc:
        finish_execution(execution=execution, by=ops, outcome="success")
    assert "outcome" in exc.value.message_dict
    execution.refresh_from_db()
    assert execution.finished_at is None
    with pytest.raises(ValidationError):
        finish_execution(execution=execution, by=ops, outcome="great")
    finish_execution(execution=execution, by=ops, outcome="aborted")
    execution.refresh_from_db()
    assert execution.outcome == "aborted" and execution.finished_at is not None


def test_no_check_off_after_finish(runbook, ops):
    execution = start_execution(runbook=runbook, by=ops)
    finish_execution(execution=execution, by=ops, outcome="aborted")
    with pytest.raises(ValidationError):
        check_off_step(execution=execution, step=steps_of(execution)[0], by=ops)


def test_starting_from_an_incident_adds_to_its_timeline(runbook, ops, incident):
    execution = start_execution(runbook=runbook, by=ops, incident=incident)
    event = IncidentEvent.objects.get(incident=incident)
    assert event.kind == EventKind.COMMENT and event.actor == ops
    assert runbook.title in event.message
    assert event.data["execution"] == execution.pk
    finish_execution(execution=execution, by=ops, outcome="partial")
    assert incident.events.count() == 2
    assert "Partial" in incident.events.last().message


def test_an_incident_the_user_cannot_see_is_refused(runbook, ops, teams):
    from operations.models import Incident

    hidden = Incident.objects.create(title="Other team's", team=teams["management"])
    with pytest.raises(ValidationError):
        start_execution(runbook=runbook, by=ops, incident=hidden)
    assert not RunbookExecution.objects.exists() and not IncidentEvent.objects.exists()


def test_a_step_of_another_version_is_refused(runbook, ops):
    execution = start_execution(runbook=runbook, by=ops)
    update_runbook(runbook=runbook, by=ops, body_markdown="v2")
    runbook.refresh_from_db()
    foreign = runbook.current_version.steps.get(order=1)
    with pytest.raises(ValidationError):
        check_off_step(execution=execution, step=foreign, by=ops)


def test_coverage_tools_without_runbook_and_single_executor(runbook, ops, ga4, gtm, users):
    assert list(tools_without_runbook(user=ops)) == [ga4]
    assert not single_executor_runbooks(user=ops).exists()  # never run
    start_execution(runbook=runbook, by=ops)
    start_execution(runbook=runbook, by=ops)
    assert list(single_executor_runbooks(user=ops)) == [runbook]
    from django.contrib.auth import get_user_model

    from mops.services import add_member, set_role

    colleague = get_user_model().objects.create_user("ops3")
    set_role(user=colleague, role="ops")
    add_member(team=runbook.team, user=colleague)
    start_execution(runbook=runbook, by=colleague)
    assert not single_executor_runbooks(user=ops).exists()


def test_suggested_runbooks_for_an_incident_by_tool_or_check_kind(runbook, make_runbook, ops, gtm):
    from operations.models import Check, Incident
    from operations.selectors.runbooks import suggested_runbooks

    other = make_runbook(title="Heartbeat late", check_kinds=["heartbeat"])
    make_runbook(title="Unrelated")
    by_tool = Incident.objects.create(title="Tag down", team=runbook.team)
    by_tool.affected_tools.add(gtm)
    assert list(suggested_runbooks(user=ops, incident=by_tool)) == [runbook]
    check = Check.objects.create(name="Nightly export", kind="heartbeat", team=runbook.team)
    by_check = Incident.objects.create(title="Export late", team=runbook.team, source_check=check)
    assert list(suggested_runbooks(user=ops, incident=by_check)) == [other]
