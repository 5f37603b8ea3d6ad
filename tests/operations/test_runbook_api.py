"""Runbooks and executions through /api/v1/: roles, teams, scopes, versions, check-off rules."""

from __future__ import annotations

import pytest

from operations.models import Runbook, RunbookExecution, StepRun

from .runbook_fixtures import *  # noqa: F403 - the runbook fixtures

pytestmark = pytest.mark.django_db

NEW = {
    "title": "広告アカウント停止時の対応",
    "team": "marketing-ops",
    "body_markdown": "初動",
    "steps": [
        {"title": "停止理由を確認"},
        {"title": "再審査をマネージャーが承認", "kind": "approval", "approver_role": "manager"},
    ],
    "check_kinds": ["threshold"],
}


def client_for(api_client, user):
    api_client.force_authenticate(user)
    return api_client


# (user, view, patch): a role without the change permission is refused before the lookup (403)
MATRIX = [
    ("ops", 200, 200),
    ("manager", 200, 403),
    ("marketer", 404, 403),
    ("ops2", 404, 404),
    ("admin", 200, 200),
]


@pytest.mark.parametrize(("username", "view", "patch"), MATRIX)
def test_runbook_api_by_role_and_team(api_client, runbook, users, other_ops, username, view, patch):
    user = other_ops if username == "ops2" else users[username]
    api = client_for(api_client, user)
    assert api.get(f"/api/v1/runbooks/{runbook.pk}/").status_code == view
    listed = [r["id"] for r in api.get("/api/v1/runbooks/").json()["results"]]
    assert (runbook.pk in listed) == (view == 200)
    response = api.patch(f"/api/v1/runbooks/{runbook.pk}/", {"title": "Renamed"}, format="json")
    assert response.status_code == patch
    runbook.refresh_from_db()
    assert (runbook.title == "Renamed") == (patch == 200)


def test_create_returns_the_runbook_with_its_first_version(api_client, ops, gtm):
    response = client_for(api_client, ops).post(
        "/api/v1/runbooks/", {**NEW, "tools": [gtm.pk]}, format="json"
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["current_version"]["number"] == 1
    assert [s["kind"] for s in body["current_version"]["steps"]] == ["action", "approval"]
    assert body["team"] == "marketing-ops" and body["tools"] == [gtm.pk]
    assert body["is_stale"] is False


@pytest.mark.parametrize("username", ["manager", "marketer"])
def test_only_ops_create(api_client, users, username):
    response = client_for(api_client, users[username]).post("/api/v1/runbooks/", NEW, format="json")
    assert response.status_code == 403 and not Runbook.objects.exists()


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"steps": [{"title": "x", "kind": "approval"}]}, "steps[0].approver_role"),
        ({"steps": [{"title": ""}]}, "steps[0].title"),
        ({"check_kinds": ["telepathy"]}, "check_kinds[0]"),
        ({"review_interval_days": -1}, "review_interval_days"),
        ({"team": "management"}, "team"),
        ({"tools": [999999]}, "tools"),
    ],
)
def test_bad_input_gives_field_errors_and_writes_nothing(api_client, ops, payload, field):
    response = client_for(api_client, ops).post(
        "/api/v1/runbooks/", {**NEW, **payload}, format="json"
    )
    assert response.status_code == 400
    assert field in [e["field"] for e in response.json()["errors"]], response.json()
    assert not Runbook.objects.exists()


def test_update_makes_a_version_and_versions_lists_them(api_client, runbook, ops):
    api = client_for(api_client, ops)
    response = api.patch(
        f"/api/v1/runbooks/{runbook.pk}/",
        {"body_markdown": "new", "change_note": "API edit"},
        format="json",
    )
    assert response.json()["current_version"]["number"] == 2
    versions = api.get(f"/api/v1/runbooks/{runbook.pk}/versions/").json()
    assert [v["number"] for v in versions] == [2, 1]
    assert versions[0]["change_note"] == "API edit" and len(versions[1]["steps"]) == 4


def test_mark_reviewed(api_client, runbook, ops, users):
    url = f"/api/v1/runbooks/{runbook.pk}/mark-reviewed/"
    assert client_for(api_client, users["manager"]).post(url).status_code == 403
    assert client_for(api_client, ops).post(url).status_code == 200


def test_execution_flow_through_the_api(api_client, runbook, ops, users, incident):
    api = client_for(api_client, ops)
    response = api.post(
        "/api/v1/executions/", {"runbook": runbook.pk, "incident": incident.pk}, format="json"
    )
    assert response.status_code == 201, response.json()
    execution = response.json()
    assert incident.events.count() == 1
    steps = [s["id"] for s in execution["steps"]]
    url = f"/api/v1/executions/{execution['id']}/"
    out_of_order = api.post(url + "check-off/", {"step": steps[1]}, format="json")
    assert out_of_order.status_code == 400 and out_of_order.json()["errors"][0]["field"] == "step"
    assert (
        api.post(url + "check-off/", {"step": steps[0], "note": "ok"}, format="json").status_code
        == 200
    )
    no_decision = api.post(url + "check-off/", {"step": steps[1]}, format="json")
    assert no_decision.json()["errors"][0]["field"] == "decision"
    api.post(url + "check-off/", {"step": steps[1], "decision": "roll back"}, format="json")
    wrong_role = api.post(url + "check-off/", {"step": steps[2]}, format="json")
    assert wrong_role.status_code == 400
    manager = client_for(type(api_client)(), users["manager"])
    approved = manager.post(url + "check-off/", {"step": steps[2]}, format="json")
    assert approved.status_code == 200 and approved.json()["next_step"] == steps[3]
    assert manager.post(url + "finish/", {"outcome": "aborted"}, format="json").status_code == 403
    api.post(url + "check-off/", {"step": steps[3]}, format="json")
    finished = api.post(url + "finish/", {"outcome": "success"}, format="json").json()
    assert finished["outcome"] == "success" and finished["duration_seconds"] >= 0
    assert [r["done_by"] for r in finished["step_runs"]] == ["ops", "ops", "manager", "ops"]
    assert finished["step_runs"][2]["approved_by"] == "manager"


def test_executions_of_other_teams_are_hidden(api_client, runbook, ops, other_ops, users):
    from operations.services.runbooks import start_execution

    execution = start_execution(runbook=runbook, by=ops)
    step = execution.version.steps.get(order=1)
    for user in (other_ops, users["marketer"]):
        api = client_for(api_client, user)
        assert api.get(f"/api/v1/executions/{execution.pk}/").status_code == 404
        response = api.post(
            f"/api/v1/executions/{execution.pk}/check-off/", {"step": step.pk}, format="json"
        )
        assert response.status_code == 404
    response = client_for(api_client, other_ops).post(
        "/api/v1/executions/", {"runbook": runbook.pk}, format="json"
    )
    assert response.status_code == 400 and response.json()["errors"][0]["field"] == "runbook"
    assert RunbookExecution.objects.count() == 1 and not StepRun.objects.exists()


def test_token_scopes(bearer, runbook, ops):
    reader = bearer(ops, "read")
    assert reader.get("/api/v1/runbooks/").status_code == 200
    assert (
        reader.post("/api/v1/executions/", {"runbook": runbook.pk}, format="json").status_code
        == 403
    )
    writer = bearer(ops, "operations:write")
    assert (
        writer.post("/api/v1/executions/", {"runbook": runbook.pk}, format="json").status_code
        == 201
    )


def test_schema_documents_the_runbook_endpoints(api_client, ops):
    api = client_for(api_client, ops)
    schema = api.get("/api/schema/", HTTP_ACCEPT="application/json").json()
    paths = schema["paths"]
    assert "/api/v1/runbooks/{id}/versions/" in paths
    assert "/api/v1/executions/{id}/check-off/" in paths
    assert "400" in paths["/api/v1/executions/{id}/finish/"]["post"]["responses"]
