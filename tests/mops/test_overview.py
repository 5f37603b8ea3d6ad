"""The overview (``/``): its panels read summaries, so its query count does not grow with the
number of incidents, and what it shows is current."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from operations.models import Incident
from tests.operations.incident_support import S, make_tool, severity_policy
from tests.operations.triage_fixtures import bulk_incidents


def _count(client) -> int:
    client.get("/")  # warm the per-process caches (content types, permissions)
    with CaptureQueriesContext(connection) as ctx:
        response = client.get("/")
    assert response.status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.django_db
def test_overview_query_count_is_the_same_for_10_and_1000_incidents(
    org, client, django_assert_num_queries
):
    team = org["teams"][S]
    tool = make_tool(team)
    severity_policy(None, "sev1", ack=5, after=5)
    client.force_login(org["users"]["ops"])
    bulk_incidents(team, 10, tool)
    expected = _count(client)
    bulk_incidents(team, 990, tool)
    with django_assert_num_queries(expected):
        response = client.get("/")
    html = response.content.decode()
    assert "(1000 open)" in html
    # the five most urgent: the oldest unacknowledged SEV1s first
    assert html.count('class="ops-panel-list"') == 1 and html.count("Bulk ") == 5


@pytest.mark.django_db
def test_overview_shows_incidents_opened_and_resolved_since_the_last_visit(org, client):
    from operations.services import incidents as svc

    team = org["teams"][S]
    severity_policy(None, "sev1", ack=5, after=5)
    client.force_login(org["users"]["ops"])
    assert "No open incidents." in client.get("/").content.decode()
    incident = svc.create_incident(title="Tag manager down", team=team, severity="sev1")
    Incident.objects.filter(pk=incident.pk).update(
        triggered_at=timezone.now() - timedelta(minutes=10)
    )
    html = client.get("/").content.decode()
    assert "Tag manager down" in html and 'class="badge red">overdue<' in html
    # each row links to its incident and says its state, in the reader's language
    assert f'<a href="{incident.get_absolute_url()}">#{incident.pk} Tag manager down</a>' in html
    assert "— Triggered," in html
    ja = client.get("/", headers={"accept-language": "ja"}).content.decode()
    assert "— 発生," in ja
    svc.resolve(incident=incident, by=org["users"]["ops"])
    assert "No open incidents." in client.get("/").content.decode()
