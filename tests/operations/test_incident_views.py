"""Incident pages: permissions per role and team, forms, bad input, and the postmortem flow."""

from __future__ import annotations

import pytest
from django.urls import reverse

from operations.models import Incident, Postmortem
from operations.services import incidents as svc

from .incident_support import S, make_incident, make_tool, move_to

PAGES = ["incident_detail", "incident_edit", "incident_postmortem"]


def _get(client, user, url):
    client.force_login(user)
    return client.get(url).status_code


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("role", "detail", "edit"),
    [("ops", 200, 200), ("manager", 200, 403), ("marketer", 404, 404), ("admin", 200, 200)],
)
def test_page_access_per_role_and_team(org, client, role, detail, edit):
    incident = make_incident(org)
    user = org["users"][role]
    assert _get(client, user, reverse("operations:incident_detail", args=[incident.pk])) == detail
    assert _get(client, user, reverse("operations:incident_edit", args=[incident.pk])) == edit
    assert _get(client, user, reverse("operations:incident_list")) == 200
    assert _get(client, user, reverse("operations:index")) == 200


@pytest.mark.django_db
def test_list_shows_only_the_teams_incidents(org, client):
    incident = make_incident(org)
    client.force_login(org["users"]["marketer"])
    assert (
        f"#{incident.pk} " not in client.get(reverse("operations:incident_list")).content.decode()
    )
    client.force_login(org["users"]["ops"])
    html = client.get(reverse("operations:incident_list"), {"state": "open"}).content.decode()
    assert f"#{incident.pk} " in html
    csv = client.get(reverse("operations:incident_list"), {"format": "csv"}).content.decode()
    assert incident.title in csv


@pytest.mark.django_db
def test_create_incident_through_the_form(org, client):
    tool = make_tool(org["teams"][S])
    client.force_login(org["users"]["ops"])
    response = client.post(
        reverse("operations:incident_create"),
        {"title": "Marketo sync delayed", "severity": "sev2", "team": org["teams"][S].pk,
         "affected_tools": [tool.pk]},
    )  # fmt: skip
    incident = Incident.objects.get()
    assert response.status_code == 302 and response["Location"] == incident.get_absolute_url()
    assert incident.source == "manual" and incident.created_by == org["users"]["ops"]
    assert list(incident.affected_tools.all()) == [tool]


@pytest.mark.django_db
def test_create_with_unknown_severity_or_foreign_team_is_refused(org, client):
    client.force_login(org["users"]["ops"])
    url = reverse("operations:incident_create")
    response = client.post(url, {"title": "x", "severity": "sev9", "team": org["teams"][S].pk})
    assert response.status_code == 200 and b"sev9" in response.content
    foreign = org["teams"]["digital-marketing"].pk
    response = client.post(url, {"title": "x", "severity": "sev2", "team": foreign})
    assert response.status_code == 200
    assert Incident.objects.count() == 0
    client.force_login(org["users"]["marketer"])
    assert client.get(url).status_code == 403


@pytest.mark.django_db
def test_invalid_transition_shows_a_clear_message_and_changes_nothing(org, client):
    incident = move_to(make_incident(org), "resolved")
    client.force_login(org["users"]["ops"])
    url = reverse("operations:incident_transition", args=[incident.pk])
    response = client.post(url, {"to": "acknowledged"}, follow=True)
    assert b"cannot go from Resolved to Acknowledged" in response.content
    response = client.post(url, {"to": "closed"}, follow=True)
    assert b"Write the postmortem before closing" in response.content
    incident.refresh_from_db()
    assert incident.state == "resolved"


@pytest.mark.django_db
def test_reader_cannot_transition_but_can_comment(org, client):
    incident = make_incident(org)
    client.force_login(org["users"]["manager"])
    url = reverse("operations:incident_transition", args=[incident.pk])
    assert client.post(url, {"to": "acknowledged"}).status_code == 403
    client.post(reverse("operations:incident_comment", args=[incident.pk]), {"message": "CV↓"})
    incident.refresh_from_db()
    assert incident.state == "triggered"
    assert incident.events.filter(kind="comment", message="CV↓").exists()


@pytest.mark.django_db
def test_postmortem_form_with_action_items_closes_the_incident(org, client):
    ops = org["users"]["ops"]
    incident = move_to(make_incident(org), "resolved", by=ops)
    client.force_login(ops)
    url = reverse("operations:incident_postmortem", args=[incident.pk])
    assert client.get(url).status_code == 200
    response = client.post(
        url,
        {"summary": "CV tag removed by a GTM publish", "impact": "CV −40% for 6 h",
         "root_cause": "No review", "went_well": "Check caught it",
         "actions-TOTAL_FORMS": "2", "actions-INITIAL_FORMS": "0",
         "actions-0-title": "Require GTM publish review", "actions-0-owner": ops.pk,
         "actions-0-due_date": "2026-12-01",
         "actions-1-title": "", "actions-1-owner": "", "actions-1-due_date": ""},
    )  # fmt: skip
    assert response.status_code == 302
    incident.refresh_from_db()
    assert incident.state == "closed"
    pm = Postmortem.objects.get(incident=incident)
    assert [(a.title, a.owner, str(a.due_date)) for a in pm.actions.all()] == [
        ("Require GTM publish review", ops, "2026-12-01")
    ]
    html = client.get(incident.get_absolute_url()).content.decode()
    assert "Require GTM publish review" in html and "CV tag removed" in html


@pytest.mark.django_db
def test_postmortem_form_refuses_owner_without_title_and_open_incidents(org, client):
    ops = org["users"]["ops"]
    incident = make_incident(org)
    client.force_login(ops)
    url = reverse("operations:incident_postmortem", args=[incident.pk])
    assert client.get(url).status_code == 302  # not resolved yet: back to the incident
    svc.resolve(incident=incident, by=ops)
    response = client.post(
        url,
        {"summary": "x", "actions-TOTAL_FORMS": "1", "actions-INITIAL_FORMS": "0",
         "actions-0-title": "", "actions-0-owner": ops.pk, "actions-0-due_date": ""},
    )  # fmt: skip
    assert response.status_code == 200 and b"Say what the action is" in response.content
    incident.refresh_from_db()
    assert incident.state == "resolved" and not Postmortem.objects.exists()


@pytest.mark.django_db
def test_detail_lists_runbooks_of_the_affected_tools(org, client):
    from mops.permissions import grant_team_access
    from operations.models import Runbook

    team = org["teams"][S]
    tool = make_tool(team)
    runbook = Runbook.objects.create(title="GTM tag recovery", team=team)
    runbook.tools.add(tool)
    grant_team_access(team, runbook)
    incident = make_incident(org, tools=[tool])
    client.force_login(org["users"]["ops"])
    html = client.get(incident.get_absolute_url()).content.decode()
    assert "GTM tag recovery" in html
    assert reverse("operations:runbook_detail", args=[runbook.pk]) in html


@pytest.mark.django_db
def test_detail_page_queries_do_not_grow_with_the_timeline(
    org, client, django_assert_max_num_queries
):
    ops = org["users"]["ops"]
    incident = make_incident(org)
    client.force_login(ops)
    for i in range(30):
        svc.comment(incident=incident, by=ops, message=f"note {i}")
    with django_assert_max_num_queries(40):
        assert client.get(incident.get_absolute_url()).status_code == 200
