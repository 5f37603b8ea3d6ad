"""/api/v1/incidents/: create with a dedup key, acknowledge, resolve, comment; permissions per
role, team and token scope; bad input answers 400 in the one error shape and changes nothing."""

from __future__ import annotations

import pytest

from operations.models import Incident

from .incident_support import S, escalation_policy, make_incident, make_tool

URL = "/api/v1/incidents/"


@pytest.fixture
def ops_api(org, bearer):
    return bearer(org["users"]["ops"], "read", "incidents:write")


@pytest.mark.django_db
def test_create_with_dedup_key_then_repeat_appends_and_counts(org, ops_api):
    tool = make_tool(org["teams"][S])
    body = {
        "title": "CV tag missing",
        "severity": "sev2",
        "dedup_key": "gtm:cv",
        "tools": [tool.pk],
    }
    first = ops_api.post(URL, body, format="json")
    assert first.status_code == 201, first.json()
    data = first.json()
    assert (data["state"], data["alert_count"], data["team"], data["source"]) == (
        "triggered",
        1,
        S,
        "api",
    )
    assert data["affected_tools"] == [tool.pk]
    second = ops_api.post(URL, body, format="json")
    assert second.status_code == 200
    assert second.json()["id"] == data["id"] and second.json()["alert_count"] == 2
    assert Incident.objects.count() == 1


@pytest.mark.django_db
def test_create_without_key_opens_a_new_incident_each_time(org, ops_api):
    for _ in range(2):
        assert ops_api.post(URL, {"title": "x"}, format="json").status_code == 201
    assert Incident.objects.count() == 2


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"title": "x", "severity": "sev9"}, "severity"),
        ({"severity": "sev1"}, "title"),
        ({"title": "x", "team": "digital-marketing"}, "team"),
        ({"title": "x", "tools": [999999]}, "tools"),
        ({"title": "x", "dedup_key": ""}, "dedup_key"),
    ],
)
def test_bad_create_is_400_with_the_field_and_writes_nothing(org, ops_api, body, field):
    response = ops_api.post(URL, body, format="json")
    assert response.status_code == 400
    assert field in [e["field"] for e in response.json()["errors"]]
    assert Incident.objects.count() == 0


@pytest.mark.django_db
def test_acknowledge_resolve_and_comment(org, ops_api):
    incident = make_incident(org)
    response = ops_api.post(f"{URL}{incident.pk}/acknowledge/", {}, format="json")
    assert response.status_code == 200
    assert response.json()["state"] == "acknowledged" and response.json()["assignee"] == "ops"
    response = ops_api.post(f"{URL}{incident.pk}/comment/", {"message": "on it"}, format="json")
    assert response.status_code == 201 and response.json()["kind"] == "comment"
    response = ops_api.post(f"{URL}{incident.pk}/resolve/", {"note": "fixed"}, format="json")
    assert response.json()["state"] == "resolved"
    events = ops_api.get(f"{URL}{incident.pk}/events/").json()
    assert [e["kind"] for e in events] == [
        "state_change",
        "state_change",
        "assignment",
        "comment",
        "state_change",
    ]


@pytest.mark.django_db
def test_invalid_transition_is_400_in_the_error_shape_not_500(org, ops_api):
    incident = make_incident(org)
    ops_api.post(f"{URL}{incident.pk}/resolve/", {}, format="json")
    response = ops_api.post(f"{URL}{incident.pk}/acknowledge/", {}, format="json")
    assert response.status_code == 400
    error = response.json()["errors"][0]
    assert error["field"] == "state" and "cannot go from" in error["message"]
    response = ops_api.post(f"{URL}{incident.pk}/transition/", {"to": "closed"}, format="json")
    assert response.status_code == 400 and "postmortem" in response.json()["errors"][0]["message"]
    incident.refresh_from_db()
    assert incident.state == "resolved"


@pytest.mark.django_db
def test_token_without_incidents_write_scope_cannot_write(org, bearer):
    client = bearer(org["users"]["ops"], "read")
    incident = make_incident(org)
    assert client.get(URL).status_code == 200
    assert client.post(URL, {"title": "x"}, format="json").status_code == 403
    assert client.post(f"{URL}{incident.pk}/acknowledge/", {}, format="json").status_code == 403


@pytest.mark.django_db
def test_manager_in_the_team_reads_and_comments_but_cannot_manage(org, bearer):
    client = bearer(org["users"]["manager"], "read", "incidents:write")
    incident = make_incident(org)
    assert [i["id"] for i in client.get(URL).json()["results"]] == [incident.pk]
    assert client.post(f"{URL}{incident.pk}/acknowledge/", {}, format="json").status_code == 403
    assert client.post(URL, {"title": "x", "team": S}, format="json").status_code == 403
    comment = client.post(f"{URL}{incident.pk}/comment/", {"message": "KPI dip"}, format="json")
    assert comment.status_code == 201
    incident.refresh_from_db()
    assert incident.state == "triggered"


@pytest.mark.django_db
def test_other_team_does_not_see_the_incident(org, bearer):
    client = bearer(org["users"]["marketer"], "read", "incidents:write")
    incident = make_incident(org)
    assert client.get(URL).json()["count"] == 0
    assert client.get(f"{URL}{incident.pk}/").status_code == 404
    assert (
        client.post(f"{URL}{incident.pk}/comment/", {"message": "x"}, format="json").status_code
        == 404
    )


@pytest.mark.django_db
def test_repeat_of_a_key_owned_by_another_team_is_refused(org, bearer, ops_api):
    from django.contrib.auth import get_user_model

    from mops.services import add_member, set_role

    ops_api.post(URL, {"title": "x", "dedup_key": "shared"}, format="json")
    other = get_user_model().objects.create_user("ops2", "ops2@example.jp")
    set_role(user=other, role="ops")
    add_member(team=org["teams"]["digital-marketing"], user=other)
    client = bearer(other, "read", "incidents:write")
    response = client.post(URL, {"title": "x", "dedup_key": "shared"}, format="json")
    assert response.status_code == 403
    assert Incident.objects.get(dedup_key="shared").alert_count == 1
    admin = bearer(org["users"]["admin"], "read", "incidents:write")
    response = admin.post(URL, {"title": "x", "dedup_key": "shared", "team": S}, format="json")
    assert response.status_code == 200 and response.json()["alert_count"] == 2


@pytest.mark.django_db
def test_filters_and_anonymous(org, ops_api, api_client):
    make_incident(org, severity="sev1")
    make_incident(org, severity="sev3")
    assert ops_api.get(URL, {"severity": "sev1"}).json()["count"] == 1
    assert ops_api.get(URL, {"open": "true"}).json()["count"] == 2
    assert api_client.get(URL).status_code in (401, 403)


@pytest.mark.django_db
def test_escalation_policies_are_readable_by_their_team(org, bearer):
    escalation_policy(org["teams"][S], steps=[{"delay_minutes": 0, "notify_role": "ops"}])
    ops = bearer(org["users"]["ops"], "read")
    body = ops.get("/api/v1/escalation-policies/").json()
    assert body["count"] == 1 and body["results"][0]["steps"][0]["notify_role"] == "ops"
    marketer = bearer(org["users"]["marketer"], "read")
    assert marketer.get("/api/v1/escalation-policies/").status_code == 403


@pytest.mark.django_db
def test_schema_documents_the_incident_endpoints(org, api_client):
    api_client.force_login(org["users"]["admin"])
    schema = api_client.get("/api/schema/", {"format": "json"}).json()
    paths = schema["paths"]
    for path in (
        "/api/v1/incidents/",
        "/api/v1/incidents/{id}/acknowledge/",
        "/api/v1/incidents/{id}/resolve/",
        "/api/v1/incidents/{id}/comment/",
        "/api/v1/escalation-policies/",
    ):
        assert path in paths, path
    assert set(paths["/api/v1/incidents/"]["post"]["responses"]) >= {"200", "201", "400"}
