"""The governance API: KPIs with targets and status, plans, feedback both ways, the schema."""

import pytest

from governance.models import FeedbackItem

pytestmark = pytest.mark.django_db


def test_kpis_with_targets_and_current_status(api_client, world):
    api_client.force_authenticate(world["users"]["marketer"])
    data = api_client.get("/api/v1/kpis/").json()
    by_key = {k["key"]: k for k in data["results"]}
    assert set(by_key) == {"conversions", "cpa"}
    conv = by_key["conversions"]
    assert conv["direction"] == "higher" and conv["owner"] == "manager"
    assert len(conv["targets"]) == 4
    assert conv["current"]["status"] == "off_track"
    assert conv["current"]["actual"] == 0 and conv["current"]["target"]["value"] == 70
    detail = api_client.get("/api/v1/kpis/cpa/").json()
    assert detail["expression"] == "cost / conversions"
    assert detail["current"]["actual"] is None  # zero denominator: n/a


def test_plans_with_budget_rows(api_client, world):
    api_client.force_authenticate(world["users"]["manager"])
    plan = api_client.get(f"/api/v1/plans/{world['plan'].pk}/").json()
    assert plan["budget"] == "900000"
    assert [r["month"] for r in plan["budget_rows"]] == ["2026-10-01", "2026-11-01", "2026-12-01"]
    response = api_client.post(
        "/api/v1/plans/",
        {
            "strategy": world["strategy"].pk,
            "title": "Outside",
            "team": "digital-marketing",
            "owner": "manager",
            "start_date": "2028-01-01",
            "end_date": "2028-02-01",
        },
        format="json",
    )
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "start_date"


def test_feedback_both_ways(api_client, world):
    teams, users = world["teams"], world["users"]
    api_client.force_authenticate(users["manager"])
    response = api_client.post(
        "/api/v1/feedback/",
        {
            "direction": "to_operations",
            "title": "Monitor the CV tag",
            "from_team": "digital-marketing",
            "to_team": "marketing-ops",
            "owner": "ops",
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    item = FeedbackItem.objects.get()
    # ops (a member of the receiving team, and owner) sees and updates it
    api_client.force_authenticate(users["ops"])
    assert api_client.get(f"/api/v1/feedback/{item.pk}/").status_code == 200
    response = api_client.patch(
        f"/api/v1/feedback/{item.pk}/", {"status": "declined"}, format="json"
    )
    assert response.status_code == 400  # a refusal needs a reason
    assert response.json()["errors"][0]["field"] == "resolution"
    response = api_client.patch(
        f"/api/v1/feedback/{item.pk}/", {"status": "accepted"}, format="json"
    )
    assert response.status_code == 200
    # ops escalates to management
    response = api_client.post(
        "/api/v1/feedback/",
        {
            "direction": "to_management",
            "title": "CRM sync overloaded",
            "from_team": "marketing-ops",
            "to_team": "digital-marketing",
            "kpi": world["conversions"].kpi.pk,
        },
        format="json",
    )
    assert response.status_code == 201
    # the marketer (digital-marketing) sees the escalation, not ops-internal things
    api_client.force_authenticate(users["marketer"])
    titles = {f["title"] for f in api_client.get("/api/v1/feedback/").json()["results"]}
    assert titles == {"Monitor the CV tag", "CRM sync overloaded"}
    assert teams  # fixtures used


def test_feedback_pages_on_both_sides(client, world):
    from governance.services.feedback import create_feedback

    users, teams = world["users"], world["teams"]
    create_feedback(
        direction="to_operations",
        title="Please add a heartbeat check",
        from_team=teams["digital-marketing"],
        to_team=teams["marketing-ops"],
        by=users["manager"],
    )
    client.force_login(users["ops"])
    page = client.get("/operations/").content.decode()
    assert "Requests from management" in page and "Please add a heartbeat check" in page
    page = client.get("/governance/feedback/").content.decode()
    assert "Requests to operations" in page and "Please add a heartbeat check" in page


def test_schema_documents_the_governance_endpoints(api_client, world):
    api_client.force_authenticate(world["users"]["manager"])
    schema = api_client.get("/api/schema/?format=json").json()
    for path in [
        "/api/v1/strategies/",
        "/api/v1/plans/",
        "/api/v1/actions/{id}/",
        "/api/v1/kpis/{key}/",
        "/api/v1/reviews/{id}/",
        "/api/v1/feedback/",
    ]:
        assert path in schema["paths"], path
