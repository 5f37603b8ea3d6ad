"""Check pages: forms with clear errors that save nothing, the detail page, pause and resume."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from operations.models import Check, CheckResult, CheckState, Flip

from .inventory_factories import make_check, make_tool

pytestmark = pytest.mark.django_db


def _post(client, team, **fields):
    data = {
        "name": "Landing page",
        "kind": "http",
        "team": team.pk,
        "interval_seconds": 300,
        "url": "https://example.com/",
        "expected_status": 200,
        "timeout_seconds": 10,
        "period_seconds": 86400,
        "grace_seconds": 3600,
        "failures_before_down": 1,
    }
    data.update(fields)
    return client.post("/operations/checks/new/", data)


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"url": "htp:/broken"}, "Enter a full http:// or https:// URL"),
        ({"url": ""}, "An HTTP check needs the URL to request."),
        ({"kind": "heartbeat", "grace_seconds": -5}, "The grace period cannot be negative"),
        ({"kind": "heartbeat", "period_seconds": 0}, "The period must be a positive number"),
        ({"kind": "freshness"}, "after how many hours without data"),
        ({"kind": "threshold"}, "Choose the metric to watch."),
        ({"failure_rate": 0.5}, "A failure rate needs a window in minutes."),
    ],
)
def test_bad_input_gets_a_clear_error_and_saves_nothing(client, users, teams, fields, message):
    client.force_login(users["ops"])
    response = _post(client, teams["marketing-ops"], **fields)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Check.objects.exists()


def test_create_form_saves_a_check_due_at_once(client, users, teams):
    client.force_login(users["ops"])
    response = _post(client, teams["marketing-ops"])
    check = Check.objects.get()
    assert response.status_code == 302 and response["Location"] == check.get_absolute_url()
    assert check.next_due_at is not None and check.state == CheckState.NEW


def test_edit_with_bad_input_leaves_the_check_unchanged(client, users, teams):
    check = make_check(teams["marketing-ops"], grace_seconds=600)
    client.force_login(users["ops"])
    response = client.post(
        f"/operations/checks/{check.pk}/edit/",
        {
            "name": "Renamed",
            "kind": "heartbeat",
            "team": teams["marketing-ops"].pk,
            "interval_seconds": 300,
            "expected_status": 200,
            "timeout_seconds": 10,
            "period_seconds": 3600,
            "grace_seconds": -1,
            "failures_before_down": 1,
        },
    )
    assert response.status_code == 200
    check.refresh_from_db()
    assert check.name == "Nightly load" and check.grace_seconds == 600


def test_detail_page_shows_state_results_flips_and_downtime(client, users, teams):
    team = teams["marketing-ops"]
    check = make_check(team, tool=make_tool(team, "BigQuery", category="bi"))
    now = timezone.now()
    Flip.objects.create(
        monitor=check, at=now - datetime.timedelta(hours=5), old_state="new", new_state="up"
    )
    Flip.objects.create(
        monitor=check,
        at=now - datetime.timedelta(hours=3),
        old_state="up",
        new_state="down",
        reason="No ping for 2 h",
    )
    Flip.objects.create(
        monitor=check, at=now - datetime.timedelta(hours=1), old_state="down", new_state="unknown"
    )
    CheckResult.objects.create(monitor=check, status="down", detail="No ping for 2 h")
    client.force_login(users["manager"])
    response = client.get(check.get_absolute_url())
    body = response.content.decode()
    assert response.status_code == 200
    assert "No ping for 2 h" in body and f"/ping/{check.uuid}/" in body
    downtime = response.context["downtime"]
    assert downtime.down == datetime.timedelta(hours=2)
    assert abs(downtime.unknown - datetime.timedelta(hours=1)) < datetime.timedelta(seconds=5)
    assert "Pause" not in body  # the manager reads only


def test_pause_and_resume_from_the_page(client, users, teams):
    check = make_check(teams["marketing-ops"])
    client.force_login(users["ops"])
    client.post(f"/operations/checks/{check.pk}/pause/")
    check.refresh_from_db()
    assert check.state == CheckState.PAUSED and not check.enabled
    client.post(f"/operations/checks/{check.pk}/resume/")
    check.refresh_from_db()
    assert check.state == CheckState.NEW and check.enabled


def test_check_list_filters_by_state(client, users, teams):
    team = teams["marketing-ops"]
    up = make_check(team, name="Up one")
    make_check(team, name="New one")
    Check.objects.filter(pk=up.pk).update(state="up")
    client.force_login(users["ops"])
    page = client.get("/operations/checks/", {"state": "up"})
    assert [c.name for c in page.context["page"].object_list] == ["Up one"]
