"""Execution pages: start (from an incident too), htmx check-off, approvals, finish."""

from __future__ import annotations

import pytest
from django.urls import reverse

from operations.models import IncidentEvent, RunbookExecution, StepRun

from .runbook_fixtures import *  # noqa: F403 - the runbook fixtures

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


def start(client, runbook, **data):
    return client.post(reverse("operations:runbook_start", args=[runbook.pk]), data)


def steps_of(execution):
    return list(execution.version.steps.order_by("order"))


def step_url(execution, step):
    return reverse("operations:execution_step", args=[execution.pk, step.pk])


def test_start_redirects_to_the_execution(client, runbook, ops):
    client.force_login(ops)
    response = start(client, runbook)
    execution = RunbookExecution.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("operations:execution_detail", args=[execution.pk])
    page = client.get(response.url).content.decode()
    assert "Look at the GTM version history" in page and 'hx-post="' in page


def test_start_from_an_incident_links_it_and_writes_the_timeline(client, runbook, ops, incident):
    client.force_login(ops)
    start(client, runbook, incident=incident.pk)
    execution = RunbookExecution.objects.get()
    assert execution.incident == incident
    event = IncidentEvent.objects.get(incident=incident)
    assert event.kind == "comment" and runbook.title in event.message


@pytest.mark.parametrize("bad", ["999999", "abc"])
def test_start_with_an_unknown_incident_changes_nothing(client, runbook, ops, bad):
    client.force_login(ops)
    response = start(client, runbook, incident=bad)
    assert response.status_code == 302 and response.url == runbook.get_absolute_url()
    assert not RunbookExecution.objects.exists()


@pytest.mark.parametrize(
    ("username", "status"), [("manager", 403), ("marketer", 404), ("ops2", 404)]
)
def test_only_ops_of_the_team_start(client, runbook, users, other_ops, username, status):
    client.force_login(other_ops if username == "ops2" else users[username])
    assert start(client, runbook).status_code == status
    assert not RunbookExecution.objects.exists()


def test_htmx_check_off_returns_the_steps_fragment(client, runbook, ops):
    client.force_login(ops)
    start(client, runbook)
    execution = RunbookExecution.objects.get()
    s1, _s2, *_ = steps_of(execution)
    response = client.post(step_url(execution, s1), {"note": "v42 at 10:02"}, **HTMX)
    html = response.content.decode()
    assert response.status_code == 200 and html.startswith('<section id="execution-live"')
    assert "<html" not in html
    assert "v42 at 10:02" in html and "Done by ops" in html
    assert 'name="decision"' in html  # the decision step is next
    assert StepRun.objects.get().note == "v42 at 10:02"


def test_out_of_order_check_off_is_refused_with_a_message(client, runbook, ops):
    client.force_login(ops)
    start(client, runbook)
    execution = RunbookExecution.objects.get()
    response = client.post(step_url(execution, steps_of(execution)[3]), {}, **HTMX)
    assert "steps go in order" in response.content.decode()
    assert not StepRun.objects.exists()
    plain = client.post(step_url(execution, steps_of(execution)[3]), {}, follow=True)
    assert "steps go in order" in plain.content.decode()


def test_wrong_role_cannot_approve_and_the_right_one_can(client, runbook, ops, users):
    client.force_login(ops)
    start(client, runbook)
    execution = RunbookExecution.objects.get()
    s1, s2, approval, publish = steps_of(execution)
    client.post(step_url(execution, s1), {}, **HTMX)
    client.post(step_url(execution, s2), {"decision": "Roll back"}, **HTMX)
    page = client.get(reverse("operations:execution_detail", args=[execution.pk])).content.decode()
    assert "Waiting for a Manager to approve" in page
    response = client.post(step_url(execution, approval), {}, **HTMX)
    assert "Only a Manager may give this approval." in response.content.decode()
    response = client.post(step_url(execution, publish), {}, **HTMX)
    assert not StepRun.objects.filter(step__in=[approval, publish]).exists()
    client.force_login(users["manager"])
    page = client.get(reverse("operations:execution_detail", args=[execution.pk])).content.decode()
    assert ">Approve<" in page and "Finish execution" not in page
    client.post(step_url(execution, approval), {"note": "OK to publish"}, **HTMX)
    assert StepRun.objects.get(step=approval).approved_by == users["manager"]


def test_finish_records_outcome_and_shows_who_did_what(client, runbook, ops):
    client.force_login(ops)
    start(client, runbook)
    execution = RunbookExecution.objects.get()
    client.post(step_url(execution, steps_of(execution)[0]), {"note": "looked"})
    url = reverse("operations:execution_finish", args=[execution.pk])
    refused = client.post(url, {"outcome": "success"})
    assert refused.status_code == 400 and "not checked off" in refused.content.decode()
    bad = client.post(url, {"outcome": "brilliant"})
    assert bad.status_code == 400
    execution.refresh_from_db()
    assert execution.finished_at is None
    client.post(url, {"outcome": "partial", "notes": "Escalated to the web team"})
    execution.refresh_from_db()
    assert execution.outcome == "partial" and execution.duration is not None
    page = client.get(reverse("operations:execution_detail", args=[execution.pk])).content.decode()
    assert "Partial" in page and "Done by ops" in page and "Escalated to the web team" in page
    assert "Finish execution" not in page and 'hx-post="' not in page


def test_execution_pages_by_team(client, runbook, ops, other_ops, users):
    from operations.services.runbooks import start_execution

    execution = start_execution(runbook=runbook, by=ops)
    url = reverse("operations:execution_detail", args=[execution.pk])
    for user, status in ((users["manager"], 200), (users["marketer"], 404), (other_ops, 404)):
        client.force_login(user)
        assert client.get(url).status_code == status
    client.force_login(other_ops)
    response = client.post(step_url(execution, steps_of(execution)[0]), {})
    assert response.status_code == 404 and not StepRun.objects.exists()


def test_check_off_needs_csrf(runbook, ops):
    from django.test import Client

    from operations.services.runbooks import start_execution

    execution = start_execution(runbook=runbook, by=ops)
    client = Client(enforce_csrf_checks=True)
    client.force_login(ops)
    response = client.post(step_url(execution, steps_of(execution)[0]), {}, **HTMX)
    assert response.status_code == 403 and not StepRun.objects.exists()
