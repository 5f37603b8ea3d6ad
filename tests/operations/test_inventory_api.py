"""The inventory, check and maintenance API: create through the services, errors in the one
shape, actions, and the schema."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from operations.models import Check, CheckResult, CheckState, MaintenanceWindow, Tool

from .inventory_factories import make_check, make_tool

pytestmark = pytest.mark.django_db


@pytest.fixture
def ops_api(bearer, users):
    return bearer(users["ops"], "read", "operations:write")


def test_create_tool_and_read_its_flags(ops_api, teams):
    response = ops_api.post(
        "/api/v1/tools/",
        {"name": "Tableau", "category": "bi", "monthly_cost": "84000.00"},
        format="json",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["team"] == "marketing-ops"
    assert body["flags"] == {"single_owner": True, "renewal_soon": False, "no_runbook": True}
    assert Tool.objects.get(name="Tableau").monthly_cost == 84000


def test_create_tool_with_bad_input_answers_every_error_and_saves_nothing(ops_api):
    response = ops_api.post(
        "/api/v1/tools/", {"name": "X", "url": "nope", "monthly_cost": "-5"}, format="json"
    )
    assert response.status_code == 400
    fields = {e["field"] for e in response.json()["errors"]}
    assert {"url", "monthly_cost"} <= fields
    assert not Tool.objects.exists()


def test_create_heartbeat_check_returns_its_ping_url(ops_api, teams):
    tool = make_tool(teams["marketing-ops"], "BigQuery", category="bi")
    response = ops_api.post(
        "/api/v1/checks/",
        {
            "name": "Nightly load",
            "kind": "heartbeat",
            "tool": tool.pk,
            "period_seconds": 86400,
            "grace_seconds": 3600,
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["ping_url"].endswith(f"/ping/{body['uuid']}/")
    assert body["state"] == "new"


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"kind": "http", "url": "ftp//x"}, "url"),
        ({"kind": "heartbeat", "grace_seconds": -1}, "grace_seconds"),
        ({"kind": "threshold", "metric": "no_such_metric", "min_value": 1}, "metric"),
        ({"kind": "freshness", "freshness_source": "google_ads"}, "max_age_hours"),
    ],
)
def test_bad_check_input_is_400_and_saves_nothing(ops_api, payload, field):
    response = ops_api.post("/api/v1/checks/", {"name": "Bad", **payload}, format="json")
    assert response.status_code == 400
    assert field in {e["field"] for e in response.json()["errors"]}
    assert not Check.objects.exists()


def test_pause_and_resume_actions(ops_api, teams):
    check = make_check(teams["marketing-ops"])
    response = ops_api.post(f"/api/v1/checks/{check.pk}/pause/")
    assert response.status_code == 200 and response.json()["state"] == "paused"
    response = ops_api.post(f"/api/v1/checks/{check.pk}/resume/")
    assert response.json()["state"] == CheckState.NEW


def test_check_results_are_read_only_and_scoped(ops_api, bearer, users, teams):
    check = make_check(teams["marketing-ops"])
    CheckResult.objects.create(monitor=check, status="up", detail="Ping received.")
    response = ops_api.get("/api/v1/check-results/", {"monitor": check.pk})
    assert response.status_code == 200
    assert [r["detail"] for r in response.json()["results"]] == ["Ping received."]
    assert ops_api.post("/api/v1/check-results/", {}, format="json").status_code == 405
    marketer = bearer(users["marketer"], "read")
    assert marketer.get("/api/v1/check-results/").json()["count"] == 0


def test_maintenance_window_create_and_cancel(ops_api, teams):
    tool = make_tool(teams["marketing-ops"], "Marketo", category="ma")
    start = timezone.now() + datetime.timedelta(days=2)
    response = ops_api.post(
        "/api/v1/maintenance-windows/",
        {
            "tool": tool.pk,
            "title": "Patch",
            "starts_at": start.isoformat(),
            "ends_at": (start + datetime.timedelta(hours=1)).isoformat(),
            "recurrence": "FREQ=MONTHLY;BYDAY=1SA",
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    assert response.json()["status"] == "scheduled"
    window_id = response.json()["id"]
    response = ops_api.post(f"/api/v1/maintenance-windows/{window_id}/cancel/")
    assert response.json()["status"] == "cancelled"


def test_maintenance_window_with_invalid_rule_is_400(ops_api, teams):
    tool = make_tool(teams["marketing-ops"], "Marketo", category="ma")
    start = timezone.now() + datetime.timedelta(days=2)
    response = ops_api.post(
        "/api/v1/maintenance-windows/",
        {
            "tool": tool.pk,
            "title": "Patch",
            "starts_at": start.isoformat(),
            "ends_at": (start + datetime.timedelta(hours=1)).isoformat(),
            "recurrence": "EVERY TUE",
        },
        format="json",
    )
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "recurrence"
    assert not MaintenanceWindow.objects.exists()


def test_schema_documents_the_endpoints(client, users):
    client.force_login(users["admin"])
    schema = client.get("/api/schema/", {"format": "json"}).json()
    for path in (
        "/api/v1/tools/",
        "/api/v1/checks/{id}/pause/",
        "/api/v1/check-results/",
        "/api/v1/maintenance-windows/{id}/cancel/",
    ):
        assert path in schema["paths"], path
