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
