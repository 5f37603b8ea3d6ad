"""A team's on-call settings: its ops staff see and edit channels, escalation policies and
acknowledge times; other teams' stay hidden; bad input gets a specific error and saves nothing."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from operations.models import EscalationPolicy, NotificationChannel, SeverityPolicy
from operations.services.incident_states import severity_policy

pytestmark = pytest.mark.django_db

TEAM = "marketing-ops"  # the ops user's team


def url(name, *args):
    return reverse(f"operations:{name}", args=args)


@pytest.fixture
def ops(client, users):
    client.force_login(users["ops"])
    return client


def steps_data(*steps, total=None):
    data = {
        "steps-TOTAL_FORMS": str(total or len(steps)),
        "steps-INITIAL_FORMS": "0",
        "steps-MIN_NUM_FORMS": "0",
        "steps-MAX_NUM_FORMS": "10",
    }
    for i, step in enumerate(steps):
        data.update({f"steps-{i}-ORDER": str(i + 1), f"steps-{i}-delay_minutes": "0"})
        data.update({f"steps-{i}-{k}": v for k, v in step.items()})
    return data


def test_ops_staff_see_their_team_only(ops, client, users):
    response = ops.get(url("oncall"))
    assert response.status_code == 302 and response["Location"] == url("oncall_team", TEAM)
    page = ops.get(url("oncall_team", TEAM)).content.decode()
    assert 'data-severity="sev1"' in page and url("oncall_policy_create", TEAM) in page
    assert ops.get(url("oncall_team", "digital-marketing")).status_code == 404
    client.force_login(users["marketer"])  # the marketer role does not read on-call settings
    assert client.get(url("oncall")).status_code == 403
    assert client.get(url("oncall_team", "digital-marketing")).status_code == 404


def test_a_channel_is_saved_and_a_bad_address_is_refused(ops, teams):
    bad = ops.post(
        url("oncall_channel_create", TEAM),
        {"name": "Ops mail", "kind": "email", "target": "not-an-address", "enabled": "on"},
    )
    assert bad.status_code == 200 and "Enter an email address." in bad.content.decode()
    assert not NotificationChannel.objects.exists()
    hook = ops.post(
        url("oncall_channel_create", TEAM),
        {"name": "Slack", "kind": "webhook", "target": "ftp://hooks.example.jp/x", "enabled": "on"},
    )
    assert "Enter a webhook URL" in hook.content.decode()
    hook_data = {"name": "Slack", "kind": "webhook", "target": "https://hooks.example.jp/x"}
    ok = ops.post(url("oncall_channel_create", TEAM), hook_data | {"enabled": "on"})
    assert ok.status_code == 302
    channel = NotificationChannel.objects.get()
    assert (channel.team, channel.kind, channel.enabled) == (teams[TEAM], "webhook", True)
    assert "https://hooks.example.jp/x" in ops.get(url("oncall_team", TEAM)).content.decode()


def test_a_policy_keeps_its_steps_in_order_and_one_team_default(ops, users, teams):
    team = teams[TEAM]
    channel = NotificationChannel.objects.create(
        team=team, name="Slack", kind="webhook", target="https://hooks.example.jp/x"
    )
    data = {"name": "Weekday", "repeat_count": "1", "is_default": "on"}
    data |= steps_data(
        {"notify_user": str(users["ops"].pk)},
        {"channel": str(channel.pk), "notify_role": "manager", "delay_minutes": "15"},
    )
    assert ops.post(url("oncall_policy_create", TEAM), data).status_code == 302
    first = EscalationPolicy.objects.get(name="Weekday")
    steps = list(first.steps.order_by("order"))
    assert [(s.order, s.notify_user, s.delay_minutes) for s in steps] == [
        (1, users["ops"], 0),
        (2, None, 15),
    ]
    assert (steps[1].channel, steps[1].channel_kind, steps[1].notify_role) == (
        channel,
        "webhook",
        "manager",
    )
    data = {"name": "Weekend", "repeat_count": "0", "is_default": "on"}
    data |= steps_data({"notify_role": "ops"})
    assert ops.post(url("oncall_policy_create", TEAM), data).status_code == 302
    defaults = EscalationPolicy.objects.filter(team=team, is_default=True)
    assert [p.name for p in defaults] == ["Weekend"]
    first.refresh_from_db()
    assert first.history.first().is_default is False  # the change is in the audit trail


def test_steps_that_notify_nobody_or_an_outsider_are_refused(ops, users, teams):
    data = {"name": "Broken", "repeat_count": "0"}
    blank = steps_data(total=1) | {"steps-0-delay_minutes": "0"}  # as the browser sends it
    nobody = ops.post(url("oncall_policy_create", TEAM), data | blank)
    assert "Add at least one step." in nobody.content.decode()
    data |= steps_data({"delay_minutes": "5"}, {"notify_role": "ops"})
    empty = ops.post(url("oncall_policy_create", TEAM), data).content.decode()
    assert "Step 1: choose a person, a role or a channel to notify." in empty
    outsider = users["marketer"]  # not in marketing-ops: not offered, and refused if posted
    data = {"name": "Outsider", "repeat_count": "0"} | steps_data({"notify_user": str(outsider.pk)})
    refused = ops.post(url("oncall_policy_create", TEAM), data).content.decode()
    assert "Select a valid choice" in refused
    other = NotificationChannel.objects.create(
        team=teams["digital-marketing"], name="DM", kind="email", target="dm@example.jp"
    )
    data = {"name": "Other", "repeat_count": "0"} | steps_data({"channel": str(other.pk)})
    refused = ops.post(url("oncall_policy_create", TEAM), data).content.decode()
    assert "Select a valid choice" in refused
    assert not EscalationPolicy.objects.exists()


def test_a_duplicate_name_is_an_error_not_a_crash(ops, teams):
    data = {"name": "Weekday", "repeat_count": "0"} | steps_data({"notify_role": "ops"})
    assert ops.post(url("oncall_policy_create", TEAM), data).status_code == 302
    again = ops.post(url("oncall_policy_create", TEAM), data)
    assert again.status_code == 200 and "already exists" in again.content.decode()
    assert EscalationPolicy.objects.count() == 1


def test_editing_a_policy_replaces_its_steps(ops, teams):
    data = {"name": "Weekday", "repeat_count": "0"} | steps_data(
        {"notify_role": "ops"}, {"notify_role": "manager"}
    )
    ops.post(url("oncall_policy_create", TEAM), data)
    policy = EscalationPolicy.objects.get()
    form = ops.get(url("oncall_policy_edit", TEAM, policy.pk)).content.decode()
    assert 'name="steps-1-notify_role"' in form
    data = {"name": "Weekday", "repeat_count": "3"} | steps_data({"notify_role": "admin"})
    assert ops.post(url("oncall_policy_edit", TEAM, policy.pk), data).status_code == 302
    policy.refresh_from_db()
    assert policy.repeat_count == 3
    assert list(policy.steps.values_list("order", "notify_role")) == [(1, "admin")]


def test_a_channel_in_use_is_not_deleted(ops, teams):
    team = teams[TEAM]
    channel = NotificationChannel.objects.create(
        team=team, name="Ops mail", kind="email", target="ops@example.jp"
    )
    data = {"name": "Weekday", "repeat_count": "0"} | steps_data({"channel": str(channel.pk)})
    ops.post(url("oncall_policy_create", TEAM), data)
    response = ops.post(url("oncall_channel_delete", TEAM, channel.pk), follow=True)
    assert "Escalation policies send to this channel: Weekday" in response.content.decode()
    assert NotificationChannel.objects.filter(pk=channel.pk).exists()
    policy = EscalationPolicy.objects.get()
    assert ops.post(url("oncall_policy_delete", TEAM, policy.pk)).status_code == 302
    assert ops.post(url("oncall_channel_delete", TEAM, channel.pk)).status_code == 302
    assert not NotificationChannel.objects.exists()


def test_acknowledge_times_override_the_default_and_fall_back_when_blank(ops, teams):
    team = teams[TEAM]
    default = severity_policy(team, "sev1")
    half = ops.post(url("oncall_sla", TEAM), {"sev1_ack": "3"})
    assert "Give both times, or neither to use the default." in half.content.decode()
    assert not SeverityPolicy.objects.filter(team=team).exists()
    ops.post(url("oncall_sla", TEAM), {"sev1_ack": "3", "sev1_escalate": "4"})
    own = severity_policy(team, "sev1")
    assert (own.team, own.ack_minutes, own.escalate_after_minutes) == (team, 3, 4)
    assert severity_policy(team, "sev2") == severity_policy(None, "sev2")
    assert "this team" in ops.get(url("oncall_team", TEAM)).content.decode()
    ops.post(url("oncall_sla", TEAM), {})
    assert severity_policy(team, "sev1") == default


def test_the_new_default_policy_escalates_the_next_incident(ops, users, teams):
    from operations.services.escalation import escalate_incident
    from operations.services.incidents import create_incident

    data = {"name": "Weekday", "repeat_count": "0", "is_default": "on"}
    ops.post(url("oncall_policy_create", TEAM), data | steps_data({"notify_role": "ops"}))
    ops.post(url("oncall_sla", TEAM), {"sev2_ack": "1", "sev2_escalate": "2"})
    incident = create_incident(
        title="CRM sync stopped", team=teams[TEAM], severity="sev2", by=users["ops"]
    )
    assert incident.next_escalation_at == incident.triggered_at + dt.timedelta(minutes=2)
    fired = escalate_incident(incident_id=incident.pk, now=timezone.now() + dt.timedelta(minutes=3))
    incident.refresh_from_db()
    assert incident.escalation_snapshot["name"] == "Weekday" and fired == 1


def test_a_member_without_the_ops_role_cannot_edit_and_admins_can_edit_any_team(
    client, users, teams
):
    client.force_login(users["manager"])  # in marketing-ops, but a manager: no on-call rights
    assert client.get(url("oncall_team", TEAM)).status_code == 404
    client.force_login(users["admin"])
    assert client.get(url("oncall_sla", "digital-marketing")).status_code == 200
    response = client.post(
        url("oncall_sla", "digital-marketing"), {"sev4_ack": "600", "sev4_escalate": "720"}
    )
    assert response.status_code == 302
    assert severity_policy(teams["digital-marketing"], "sev4").ack_minutes == 600
