"""Maintenance windows: one-off and recurring occurrences, statuses moved by the clock, bad input,
the chart annotation provider and the pages."""

from __future__ import annotations

import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.utils import timezone

from mops.registry import chart_annotations
from operations.models import MaintenanceStatus, MaintenanceWindow
from operations.selectors.maintenance import (
    maintenance_between,
    tool_in_maintenance,
)
from operations.services.maintenance import cancel_window, update_window_statuses
from operations.tasks.monitoring import evaluate_checks

from .inventory_factories import make_tool, make_window

pytestmark = pytest.mark.django_db

TOKYO = ZoneInfo("Asia/Tokyo")
# Tuesday 2026-11-03 02:00 in Tokyo
TUESDAY_2AM = datetime.datetime(2026, 11, 3, 2, 0, tzinfo=TOKYO)


@pytest.fixture
def tool(teams):
    return make_tool(teams["marketing-ops"], "Salesforce")


def test_one_off_window_covers_its_span_only(tool):
    make_window(tool, TUESDAY_2AM, hours=2)
    assert tool_in_maintenance(tool=tool, at=TUESDAY_2AM + datetime.timedelta(hours=1))
    assert not tool_in_maintenance(tool=tool, at=TUESDAY_2AM + datetime.timedelta(hours=2))
    assert not tool_in_maintenance(tool=tool, at=TUESDAY_2AM - datetime.timedelta(seconds=1))


def test_recurring_window_occurs_weekly_in_local_time(tool):
    make_window(tool, TUESDAY_2AM, hours=2, recurrence="FREQ=WEEKLY;BYDAY=TU")
    found = maintenance_between(
        start=TUESDAY_2AM, end=TUESDAY_2AM + datetime.timedelta(days=21), tools=[tool]
    )
    assert [timezone.localtime(o.start, TOKYO).strftime("%a %H:%M") for o in found] == [
        "Tue 02:00"
    ] * 3
    next_tuesday = TUESDAY_2AM + datetime.timedelta(days=7, minutes=30)
    assert tool_in_maintenance(tool=tool, at=next_tuesday)
    assert not tool_in_maintenance(tool=tool, at=next_tuesday + datetime.timedelta(days=1))


def test_statuses_follow_the_clock_and_cancel_sticks(tool):
    with time_machine.travel(TUESDAY_2AM - datetime.timedelta(days=1), tick=False):
        window = make_window(tool, TUESDAY_2AM, hours=2)
        assert window.status == MaintenanceStatus.SCHEDULED
    with time_machine.travel(TUESDAY_2AM + datetime.timedelta(minutes=5), tick=False):
        evaluate_checks()
        window.refresh_from_db()
        assert window.status == MaintenanceStatus.IN_PROGRESS
    with time_machine.travel(TUESDAY_2AM + datetime.timedelta(hours=3), tick=False):
        update_window_statuses()
        window.refresh_from_db()
        assert window.status == MaintenanceStatus.DONE
        with pytest.raises(ValidationError):
            cancel_window(window=window)


def test_a_recurring_window_goes_back_to_scheduled_between_occurrences(tool):
    with time_machine.travel(TUESDAY_2AM - datetime.timedelta(days=1), tick=False):
        window = make_window(tool, TUESDAY_2AM, hours=2, recurrence="FREQ=WEEKLY;COUNT=2")
    with time_machine.travel(TUESDAY_2AM + datetime.timedelta(hours=1), tick=False):
        update_window_statuses()
        window.refresh_from_db()
        assert window.status == MaintenanceStatus.IN_PROGRESS
    with time_machine.travel(TUESDAY_2AM + datetime.timedelta(days=3), tick=False):
        update_window_statuses()
        window.refresh_from_db()
        assert window.status == MaintenanceStatus.SCHEDULED
    with time_machine.travel(TUESDAY_2AM + datetime.timedelta(days=8), tick=False):
        update_window_statuses()
        window.refresh_from_db()
        assert window.status == MaintenanceStatus.DONE


def test_cancelled_window_does_not_suppress(tool):
    window = make_window(tool, timezone.now() - datetime.timedelta(minutes=5), hours=1)
    cancel_window(window=window)
    assert not tool_in_maintenance(tool=tool, at=timezone.now())


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"recurrence": "FREQ=SOMETIMES"}, "recurrence"),
        ({"hours": -1}, "ends_at"),
        ({"hours": 24 * 40}, "ends_at"),
    ],
)
def test_bad_input_is_refused_and_saves_nothing(tool, fields, field):
    with pytest.raises(ValidationError) as exc:
        make_window(tool, TUESDAY_2AM, **fields)
    assert field in exc.value.message_dict
    assert not MaintenanceWindow.objects.exists()


def test_chart_annotation_provider_is_registered(tool):
    make_window(tool, TUESDAY_2AM, hours=2, title="CRM upgrade")
    provider = dict(chart_annotations.items())["operations.maintenance"]
    spans = provider(start=datetime.date(2026, 11, 1), end=datetime.date(2026, 11, 30), scope=None)
    assert spans == [
        {
            "start": datetime.date(2026, 11, 3),
            "end": datetime.date(2026, 11, 3),
            "label": "Salesforce: CRM upgrade",
            "kind": "maintenance",
        }
    ]
    assert (
        provider(start=datetime.date(2026, 12, 1), end=datetime.date(2026, 12, 31), scope=None)
        == []
    )


def test_pages_list_create_and_cancel(client, users, tool):
    client.force_login(users["ops"])
    start = timezone.localtime() + datetime.timedelta(days=1)
    response = client.post(
        "/operations/maintenance/new/",
        {
            "tool": tool.pk,
            "title": "Sandbox refresh",
            "starts_at": start.strftime("%Y-%m-%dT%H:%M"),
            "ends_at": (start + datetime.timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"),
            "recurrence": "FREQ=WEEKLY;BYDAY=SA",
        },
    )
    window = MaintenanceWindow.objects.get(title="Sandbox refresh")
    assert response.status_code == 302
    assert window.created_by == users["ops"]
    body = client.get("/operations/maintenance/").content.decode()
    assert "Sandbox refresh" in body
    client.post(f"/operations/maintenance/{window.pk}/cancel/")
    window.refresh_from_db()
    assert window.status == MaintenanceStatus.CANCELLED


def test_form_error_for_end_before_start(client, users, tool):
    client.force_login(users["ops"])
    start = timezone.localtime() + datetime.timedelta(days=1)
    response = client.post(
        "/operations/maintenance/new/",
        {
            "tool": tool.pk,
            "title": "Backwards",
            "starts_at": start.strftime("%Y-%m-%dT%H:%M"),
            "ends_at": (start - datetime.timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"),
        },
    )
    assert response.status_code == 200
    assert "The end must be after the start." in response.content.decode()
    assert not MaintenanceWindow.objects.exists()
