"""``bench.page_costs`` measures what it says: the page's queries, their round trips and their
compilation (numbers, not times, are checked: times are never asserted)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from bench.page_costs import page_costs


@pytest.mark.django_db
def test_page_costs_counts_the_queries_the_page_runs(org, client):
    client.force_login(org["users"]["admin"])
    client.get("/")
    with CaptureQueriesContext(connection) as queries:
        client.get("/")
    expected = len(queries)  # read now: the 80 requests below rotate the query log
    costs = page_costs("/", client)
    assert costs["queries"] == expected > 3
    assert costs["compile_ms"] > 0 and 0 < costs["db_ms"] < costs["total_ms"]
    # the compiler is restored afterwards
    from django.db.models.sql.compiler import SQLCompiler

    assert SQLCompiler.execute_sql.__qualname__ == "SQLCompiler.execute_sql"


@pytest.mark.django_db
def test_page_costs_times_a_page_with_a_query_that_matches_nothing(org, client):
    """A manager reads the triage board but may change no incident: the question "which of
    these may they change" is a .none() query, whose SQL cannot be compiled."""
    from operations.models import Incident
    from tests.operations.incident_support import S, make_incident

    make_incident(org)
    assert Incident.objects.filter(team=org["teams"][S]).exists()
    client.force_login(org["users"]["manager"])
    costs = page_costs("/operations/", client)
    assert costs["queries"] > 3 and costs["compile_ms"] > 0


@pytest.mark.django_db
def test_panel_costs_counts_each_panels_queries(org):
    from django.test import RequestFactory

    from bench.page_costs import panel_costs
    from mops.registry import overview_panels

    admin = org["users"]["admin"]
    costs = panel_costs(admin, repeat=3)
    assert [c["panel"] for c in costs] == [key for key, _panel in overview_panels.items()]
    request = RequestFactory().get("/")
    request.user = admin
    for (_key, panel), c in zip(overview_panels.items(), costs, strict=True):
        panel.build(request)  # as panel_costs' builds: the user's caches warm
        with CaptureQueriesContext(connection) as queries:
            panel.build(request)
        assert c["queries"] == len(queries)
        assert c["pages"] == sorted(panel.pages)
        assert 0 <= c["db_ms"] < c["total_ms"]
    assert any(c["queries"] > 0 for c in costs)
