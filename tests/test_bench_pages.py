"""``bench.pages`` seeds incidents as the services would leave them: with their state changes as
events, so the triage board it times lists recent events as a real one does."""

from __future__ import annotations

import datetime as dt

import pytest

from bench.pages import noon, seed_incidents, seed_inventory
from operations.models import Incident, IncidentEvent

TODAY = dt.date(2026, 3, 2)
TIMELINES = {
    "triggered": ["triggered"],
    "resolved": ["triggered", "resolved"],
    "closed": ["triggered", "resolved", "closed"],
}


@pytest.mark.django_db
def test_seeded_incidents_carry_their_state_changes(org, client):
    assert seed_incidents(20, TODAY) == 20
    changes: dict[int, list[str]] = {}
    for incident_id, to_state, at in IncidentEvent.objects.order_by("at", "pk").values_list(
        "incident_id", "to_state", "at"
    ):
        assert at <= noon(TODAY)  # nothing after the clock the pages are read at
        changes.setdefault(incident_id, []).append(to_state)
    incidents = Incident.objects.all()
    assert {i.state for i in incidents} == set(TIMELINES)
    assert {i.pk: changes[i.pk] for i in incidents} == {i.pk: TIMELINES[i.state] for i in incidents}
    client.force_login(org["users"]["admin"])
    html = client.get("/operations/triage/board/").content.decode()
    assert "Nothing has happened yet." not in html
    assert html.count('<li><time datetime="') == 15  # the board's newest events


@pytest.mark.django_db
def test_the_pages_read_the_demo_inventory(org, client):
    from operations.models import Check, Runbook, Tool

    tools = seed_inventory()
    assert tools == Tool.objects.count() > 5
    assert Check.objects.exists() and Runbook.objects.exists()
    assert seed_inventory() == tools  # seeding again adds nothing
    client.force_login(org["users"]["admin"])
    html = client.get("/operations/").content.decode()
    assert 'class="ops-grid"' in html and "No checks yet." not in html
