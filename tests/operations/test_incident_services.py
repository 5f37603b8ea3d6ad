"""The incident state machine, dedup of alerts, comments, assignment and postmortems."""

from __future__ import annotations

import threading

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection

from operations.models import EventKind, Incident, IncidentEvent, IncidentState
from operations.services import incidents as svc
from operations.services.incidents import ALLOWED_TRANSITIONS

from .incident_support import S, make_incident, move_to

ALL = [s.value for s in IncidentState]
ALLOWED = sorted((a, b) for a, targets in ALLOWED_TRANSITIONS.items() for b in targets)
REFUSED = sorted((a, b) for a in ALL for b in ALL if b not in ALLOWED_TRANSITIONS[a])


def test_transition_table_is_as_documented():
    assert set(ALLOWED) == {
        ("triggered", "acknowledged"),
        ("triggered", "mitigated"),
        ("triggered", "resolved"),
        ("acknowledged", "mitigated"),
        ("acknowledged", "resolved"),
        ("mitigated", "resolved"),
        ("resolved", "closed"),
        ("resolved", "triggered"),
    }


@pytest.mark.django_db
@pytest.mark.parametrize(("start", "to"), ALLOWED)
def test_allowed_transition_changes_state_and_appends_event(org, start, to):
    ops = org["users"]["ops"]
    incident = move_to(make_incident(org), start, by=ops)
    if to == "closed":
        svc.write_postmortem(incident=incident, by=ops, summary="x", close=False)
    before = incident.events.count()
    svc.transition(incident=incident, to=to, by=ops, note="because")
    incident.refresh_from_db()
    assert incident.state == to
    event = incident.events.order_by("-pk").first()
    assert incident.events.count() == before + 1
    assert (event.kind, event.from_state, event.to_state, event.actor, event.message) == (
        "state_change",
        start,
        to,
        ops,
        "because",
    )


@pytest.mark.django_db
@pytest.mark.parametrize(("start", "to"), REFUSED)
def test_refused_transition_raises_and_changes_nothing(org, start, to):
    ops = org["users"]["ops"]
    incident = move_to(make_incident(org), start, by=ops)
    events = incident.events.count()
    with pytest.raises(ValidationError) as exc:
        svc.transition(incident=incident, to=to, by=ops)
    assert "state" in exc.value.message_dict
    assert "cannot go from" in exc.value.message_dict["state"][0]
    incident.refresh_from_db()
    assert incident.state == start
    assert incident.events.count() == events


@pytest.mark.django_db
def test_closing_needs_the_postmortem(org):
    ops = org["users"]["ops"]
    incident = move_to(make_incident(org), "resolved", by=ops)
    with pytest.raises(ValidationError, match="postmortem"):
        svc.transition(incident=incident, to="closed", by=ops)
    incident.refresh_from_db()
    assert incident.state == "resolved"


@pytest.mark.django_db
def test_unknown_state_is_refused(org):
    incident = make_incident(org)
    with pytest.raises(ValidationError, match="Unknown state"):
        svc.transition(incident=incident, to="exploded", by=None)


@pytest.mark.django_db
def test_transition_by_someone_without_change_permission_is_refused(org):
    incident = make_incident(org)
    for name in ("manager", "marketer"):
        with pytest.raises(PermissionDenied):
            svc.transition(incident=incident, to="acknowledged", by=org["users"][name])
    incident.refresh_from_db()
    assert incident.state == "triggered"


@pytest.mark.django_db
def test_timestamps_follow_the_states(org):
    ops = org["users"]["ops"]
    incident = make_incident(org)
    svc.acknowledge(incident=incident, by=ops)
    assert incident.acknowledged_at is not None and incident.assignee == ops
    svc.transition(incident=incident, to="mitigated", by=ops)
    svc.resolve(incident=incident, by=ops)
    incident.refresh_from_db()
    assert incident.mitigated_at and incident.resolved_at and incident.closed_at is None
    assert incident.next_escalation_at is None


@pytest.mark.django_db
def test_stale_object_cannot_undo_a_concurrent_resolve(org):
    """Two people hold the same triggered incident; one resolves, the other's acknowledge is
    judged against the locked, fresh row and refused (no going back to acknowledged)."""
    ops = org["users"]["ops"]
    incident = make_incident(org)
    stale = Incident.objects.get(pk=incident.pk)
    svc.resolve(incident=incident, by=ops)
    with pytest.raises(ValidationError):
        svc.transition(incident=stale, to="acknowledged", by=ops)
    incident.refresh_from_db()
    assert incident.state == "resolved"


@pytest.mark.django_db
def test_first_alert_opens_an_incident(org):
    incident, created = svc.raise_alert(
        dedup_key="check:1", title="GA4 down", team=org["teams"][S], severity="sev1"
    )
    assert created and incident.state == "triggered" and incident.alert_count == 1
    assert incident.source == "check" and incident.dedup_key == "check:1"
    assert list(incident.events.values_list("kind", flat=True)) == ["state_change"]


@pytest.mark.django_db
def test_second_alert_with_same_dedup_key_appends_to_open_incident(org):
    team = org["teams"][S]
    first, _ = svc.raise_alert(dedup_key="k", title="t", team=team)
    second, created = svc.raise_alert(dedup_key="k", title="t", team=team, description="again")
    assert not created and second.pk == first.pk and second.alert_count == 2
    assert Incident.objects.count() == 1
    alert = IncidentEvent.objects.get(incident=first, kind=EventKind.ALERT)
    assert alert.message == "again" and alert.data["alert_count"] == 2


@pytest.mark.django_db
def test_recovery_resolves_and_a_new_failure_opens_a_new_incident(org):
    team = org["teams"][S]
    first, _ = svc.raise_alert(dedup_key="k", title="t", team=team)
    resolved = svc.recover_alert(dedup_key="k", message="HTTP 200 again")
    assert resolved.pk == first.pk and resolved.state == "resolved"
    assert svc.recover_alert(dedup_key="k", message="again") is None
    again, created = svc.raise_alert(dedup_key="k", title="t", team=team)
    assert created and again.pk != first.pk


@pytest.mark.django_db
def test_reopen_is_refused_while_another_incident_holds_the_key(org):
    team = org["teams"][S]
    first, _ = svc.raise_alert(dedup_key="k", title="t", team=team)
    svc.recover_alert(dedup_key="k", message="ok")
    svc.raise_alert(dedup_key="k", title="t", team=team)
    with pytest.raises(ValidationError, match="already open"):
        svc.transition(incident=first, to="triggered", by=None)
    first.refresh_from_db()
    assert first.state == "resolved"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"severity": "sev9"}, "severity"),
        ({"dedup_key": "  "}, "dedup_key"),
        ({"title": ""}, "title"),
        ({"source": "pager"}, "source"),
    ],
)
def test_bad_alert_is_refused_and_writes_nothing(org, kwargs, field):
    args = {"dedup_key": "k", "title": "t", "team": org["teams"][S], **kwargs}
    with pytest.raises(ValidationError) as exc:
        svc.raise_alert(**args)
    assert field in exc.value.message_dict
    assert Incident.objects.count() == 0


@pytest.mark.django_db
def test_comment_by_a_reader_and_refusals(org):
    incident = make_incident(org)
    event = svc.comment(incident=incident, by=org["users"]["manager"], message=" CV dropped ")
    assert event.kind == "comment" and event.message == "CV dropped"
    with pytest.raises(ValidationError):
        svc.comment(incident=incident, by=org["users"]["ops"], message="   ")
    with pytest.raises(PermissionDenied):  # not in the team: cannot see it
        svc.comment(incident=incident, by=org["users"]["marketer"], message="hi")


@pytest.mark.django_db
def test_assign_only_to_people_who_can_work_on_it(org):
    ops, manager = org["users"]["ops"], org["users"]["manager"]
    incident = make_incident(org)
    svc.assign(incident=incident, assignee=ops, by=ops)
    assert incident.events.filter(kind="assignment").count() == 1
    with pytest.raises(ValidationError):
        svc.assign(incident=incident, assignee=manager, by=ops)
    incident.refresh_from_db()
    assert incident.assignee == ops


@pytest.mark.django_db
def test_postmortem_with_actions_closes_the_incident(org):
    ops = org["users"]["ops"]
    incident = move_to(make_incident(org), "resolved", by=ops)
    pm = svc.write_postmortem(
        incident=incident,
        by=ops,
        summary="Tag removed in a release",
        root_cause="No review of GTM publishes",
        actions=[{"title": "Add GTM publish review", "owner": ops, "due_date": None}],
    )
    incident.refresh_from_db()
    assert incident.state == "closed" and incident.closed_at is not None
    assert list(pm.actions.values_list("title", "owner")) == [("Add GTM publish review", ops.pk)]


@pytest.mark.django_db
def test_postmortem_refused_for_open_incident_and_without_summary(org):
    ops = org["users"]["ops"]
    incident = make_incident(org)
    with pytest.raises(ValidationError):
        svc.write_postmortem(incident=incident, by=ops, summary="x")
    move_to(incident, "resolved", by=ops)
    with pytest.raises(ValidationError) as exc:
        svc.write_postmortem(incident=incident, by=ops, summary=" ", actions=[{"title": ""}])
    assert set(exc.value.message_dict) == {"summary", "actions"}
    incident.refresh_from_db()
    assert incident.state == "resolved"


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_threads_raising_the_same_key_open_one_incident(org):
    team = org["teams"][S]
    barrier = threading.Barrier(2)
    results: list[tuple[int, bool]] = []
    errors: list[BaseException] = []

    def raise_one() -> None:
        try:
            barrier.wait(timeout=10)
            incident, created = svc.raise_alert(dedup_key="race", title="t", team=team)
            results.append((incident.pk, created))
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=raise_one) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert not errors, errors
    assert len({pk for pk, _ in results}) == 1
    assert sorted(created for _, created in results) == [False, True]
    incident = Incident.objects.get(dedup_key="race")
    assert incident.alert_count == 2


@pytest.mark.django_db
def test_teams_running_affected_campaigns_may_read_the_incident(org):
    from analytics.services.campaigns import create_campaign
    from mops.permissions import can

    marketer = org["users"]["marketer"]
    campaign = create_campaign(team=org["teams"]["digital-marketing"], name="Brand search")
    incident = make_incident(org, campaigns=[campaign])
    assert can(marketer, "view", incident) and not can(marketer, "change", incident)
    svc.comment(incident=incident, by=marketer, message="CV dropped on our side too")
    svc.update_incident(incident=incident, by=org["users"]["ops"], campaigns=[])
    assert not can(marketer, "view", incident)
