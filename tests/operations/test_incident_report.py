"""MTTA and MTTR computed from the timeline, by tool, team and severity; the period agenda."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from django.urls import reverse

from operations.selectors.incidents import incidents_in_period, mtta_mttr
from operations.services import incidents as svc

from .incident_support import S, make_incident, make_tool

T0 = datetime(2026, 11, 10, 1, 0, tzinfo=UTC)


def _at(minutes):
    return time_machine.travel(T0 + timedelta(minutes=minutes), tick=False)


@pytest.fixture
def history(org):
    """GTM: acked after 10 min, resolved after 60; Marketo: acked 30, resolved 90;
    Marketo again: resolved directly after 20 (counts as acknowledged at 20); one still open."""
    ops = org["users"]["ops"]
    team = org["teams"][S]
    gtm, marketo = make_tool(team, "GTM"), make_tool(team, "Marketo")
    with _at(0):
        a = make_incident(org, severity="sev1", tools=[gtm])
        b = make_incident(org, severity="sev2", tools=[marketo])
        c = make_incident(org, severity="sev2", tools=[marketo])
        make_incident(org, severity="sev3")
    with _at(10):
        svc.acknowledge(incident=a, by=ops)
    with _at(20):
        svc.resolve(incident=c, by=ops)
    with _at(30):
        svc.acknowledge(incident=b, by=ops)
    with _at(60):
        svc.resolve(incident=a, by=ops)
    with _at(90):
        svc.resolve(incident=b, by=ops)
    return {"ops": ops}


def _rows(report):
    return {
        r.label: (r.incidents, r.mtta and r.mtta.total_seconds() / 60,
                  r.mttr and r.mttr.total_seconds() / 60)
        for r in report["rows"]
    }  # fmt: skip


@pytest.mark.django_db
def test_mtta_mttr_by_tool(history):
    report = mtta_mttr(user=history["ops"], date_from=date(2026, 11, 1), date_to=date(2026, 11, 30))
    assert _rows(report) == {
        "GTM": (1, 10, 60),
        "Marketo": (2, 25, 55),
        "No tool": (1, None, None),
    }
    total = report["total"]
    assert (total.incidents, total.acknowledged, total.resolved) == (4, 3, 3)
    assert total.mtta == timedelta(minutes=20) and total.mttr == timedelta(minutes=170 / 3)


@pytest.mark.django_db
def test_mtta_mttr_by_severity_and_team(history):
    args = {"user": history["ops"], "date_from": date(2026, 11, 1), "date_to": date(2026, 11, 30)}
    by_severity = _rows(mtta_mttr(group_by="severity", **args))
    assert list(by_severity) == ["SEV1 (critical)", "SEV2 (major)", "SEV3 (minor)"]
    assert by_severity["SEV2 (major)"] == (2, 25, 55)
    by_team = mtta_mttr(group_by="team", **args)
    assert [r.incidents for r in by_team["rows"]] == [4]


@pytest.mark.django_db
def test_reopened_incident_counts_until_its_final_resolution(org):
    ops = org["users"]["ops"]
    with _at(0):
        incident = make_incident(org)
    with _at(5):
        svc.resolve(incident=incident, by=ops)
    with _at(15):
        svc.transition(incident=incident, to="triggered", by=ops)
    report = mtta_mttr(user=ops, date_from=date(2026, 11, 1), date_to=date(2026, 11, 30))
    assert report["total"].resolved == 0 and report["total"].acknowledged == 1
    with _at(45):
        svc.resolve(incident=incident, by=ops)
    report = mtta_mttr(user=ops, date_from=date(2026, 11, 1), date_to=date(2026, 11, 30))
    assert report["total"].mttr == timedelta(minutes=45)


@pytest.mark.django_db
def test_period_outside_and_other_teams_see_nothing(history, org):
    report = mtta_mttr(user=history["ops"], date_from=date(2026, 12, 1), date_to=date(2026, 12, 31))
    assert report["total"].incidents == 0
    report = mtta_mttr(
        user=org["users"]["marketer"], date_from=date(2026, 11, 1), date_to=date(2026, 11, 30)
    )
    assert report["total"].incidents == 0


@pytest.mark.django_db
def test_incidents_in_period_with_duration_and_affected_things(history):
    rows = list(
        incidents_in_period(
            user=history["ops"], date_from=date(2026, 11, 10), date_to=date(2026, 11, 10)
        )
    )
    assert len(rows) == 4
    assert rows[0].severity == "sev1" and rows[0].duration == timedelta(minutes=60)
    assert [t.name for t in rows[0].affected_tools.all()] == ["GTM"]
    later = incidents_in_period(
        user=history["ops"], date_from=date(2026, 11, 12), date_to=date(2026, 11, 13)
    )
    assert [i.severity for i in later] == ["sev3"]  # only the one still open


@pytest.mark.django_db
def test_report_page(history, client):
    client.force_login(history["ops"])
    url = reverse("operations:incident_report")
    response = client.get(
        url, {"date_from": "2026-11-01", "date_to": "2026-11-30", "group_by": "tool"}
    )
    html = response.content.decode()
    assert response.status_code == 200 and "Marketo" in html and "25 min" in html
    response = client.get(
        url, {"date_from": "2026-11-30", "date_to": "2026-11-01", "group_by": "tool"}
    )
    assert b"end date must be on or after" in response.content
