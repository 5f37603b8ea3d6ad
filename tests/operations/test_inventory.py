"""Tool inventory: services, flags, list filters and CSV, detail, forms, query counts."""

from __future__ import annotations

import csv
import datetime
import io

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from mops.permissions import can, grant_team_access
from operations.models import Runbook, Tool, ToolAssignment
from operations.selectors.inventory import ToolFilters, tool_list
from operations.services.inventory import (
    assign_person,
    create_integration,
    create_tool,
    update_tool,
)

from .inventory_factories import make_check, make_tool, make_window, owners

pytestmark = pytest.mark.django_db


def _flags(user, name):
    return tool_list(user=user, filters=ToolFilters(q=name)).get(name=name)


def test_create_tool_grants_its_team_access(users, teams):
    tool = make_tool(teams["marketing-ops"], "Marketo", category="ma")
    assert can(users["ops"], "change", tool)
    assert can(users["manager"], "view", tool)
    assert not can(users["manager"], "change", tool)  # manager reads only
    assert not can(users["marketer"], "view", tool)  # not the marketer's team


def test_duplicate_name_and_bad_input_are_refused_without_saving(teams):
    team = teams["marketing-ops"]
    make_tool(team, "GA4", category="analytics")
    with pytest.raises(ValidationError) as exc:
        create_tool(team=team, name="ga4", category="analytics")
    assert "name" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        create_tool(team=team, name="Tableau", category="bi", url="not a url", monthly_cost=-1)
    assert {"url", "monthly_cost"} <= set(exc.value.message_dict)
    assert Tool.objects.count() == 1


def test_flags_single_owner_renewal_and_runbook(users, teams):
    team = teams["marketing-ops"]
    ops, manager = users["ops"], users["manager"]
    soon = timezone.localdate() + datetime.timedelta(days=30)
    later = timezone.localdate() + datetime.timedelta(days=200)
    lonely = make_tool(team, "Marketo", category="ma", renewal_date=soon)
    owners(lonely, ops)
    covered = make_tool(team, "Salesforce", renewal_date=later)
    owners(covered, ops, manager)
    Runbook.objects.create(title="Salesforce sync", team=team).tools.add(covered)

    lonely_flags = _flags(ops, "Marketo")
    assert lonely_flags.single_owner and lonely_flags.renewal_soon and lonely_flags.no_runbook
    covered_flags = _flags(ops, "Salesforce")
    assert not (
        covered_flags.single_owner or covered_flags.renewal_soon or covered_flags.no_runbook
    )
    # the same person as owner and backup owner is still one person
    assign_person(tool=lonely, user=ops, role="backup_owner")
    assert _flags(ops, "Marketo").single_owner
    flagged = tool_list(user=ops, filters=ToolFilters(flags=["single_owner"]))
    assert [t.name for t in flagged] == ["Marketo"]


def test_update_tool_moves_access_with_the_team(users, teams):
    tool = make_tool(teams["marketing-ops"], "Tableau", category="bi")
    update_tool(tool=tool, team=teams["digital-marketing"])
    assert not can(users["ops"], "view", tool)
    assert can(users["marketer"], "view", tool)


def test_list_page_filters_search_sort_and_csv(client, users, teams):
    team = teams["marketing-ops"]
    make_tool(team, "Google Ads", category="ad_platform", vendor="Google")
    make_tool(team, "Yahoo!広告", category="ad_platform", vendor="LINEヤフー")
    make_tool(team, "BigQuery", category="bi", vendor="Google")
    client.force_login(users["ops"])
    page = client.get("/operations/tools/", {"category": "ad_platform", "sort": "-name"})
    assert page.status_code == 200
    names = [t.name for t in page.context["page"].object_list]
    assert names == ["Yahoo!広告", "Google Ads"]
    page = client.get("/operations/tools/", {"q": "google"})
    assert {t.name for t in page.context["page"].object_list} == {"Google Ads", "BigQuery"}
    response = client.get("/operations/tools/", {"format": "csv", "category": "ad_platform"})
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][:2] == ["name", "category"] and len(rows) == 3
    assert "Yahoo!広告" in {r[0] for r in rows}


def test_empty_list_says_what_it_is_for(client, users, db):
    client.force_login(users["ops"])
    page = client.get("/operations/tools/")
    assert "Add the first tool" in page.content.decode()


def test_detail_page_shows_everything_linked(client, users, teams):
    team = teams["marketing-ops"]
    crm = make_tool(team, "Salesforce")
    ma = make_tool(team, "Marketo", category="ma")
    owners(crm, users["ops"])
    create_integration(source=crm, target=ma, data_flow="leads", freshness_hours=1)
    make_check(team, name="CRM sync", tool=crm)
    make_window(crm, timezone.now() + datetime.timedelta(days=2), title="Release 2026.11")
    runbook = Runbook.objects.create(title="Recover the CRM sync", team=team)
    runbook.tools.add(crm)
    grant_team_access(team, runbook)
    client.force_login(users["ops"])
    body = client.get(f"/operations/tools/{crm.pk}/").content.decode()
    for text in ("Marketo", "leads", "CRM sync", "Release 2026.11", "Recover the CRM sync"):
        assert text in body
    assert "Single owner" in body


def test_create_form_saves_and_redirects(client, users, teams):
    client.force_login(users["ops"])
    response = client.post(
        "/operations/tools/new/",
        {
            "name": "GTM",
            "category": "analytics",
            "team": teams["marketing-ops"].pk,
            "lifecycle": "active",
            "currency": "JPY",
        },
    )
    tool = Tool.objects.get(name="GTM")
    assert response.status_code == 302 and response["Location"] == tool.get_absolute_url()
    assert can(users["ops"], "change", tool)


def test_assign_and_integrate_through_the_detail_page(client, users, teams):
    team = teams["marketing-ops"]
    crm = make_tool(team, "Salesforce")
    ma = make_tool(team, "Marketo", category="ma")
    client.force_login(users["ops"])
    client.post(
        f"/operations/tools/{crm.pk}/assignments/",
        {"user": users["manager"].pk, "role": "backup_owner", "priority": 2},
    )
    assert ToolAssignment.objects.filter(tool=crm, role="backup_owner").exists()
    client.post(
        f"/operations/tools/{crm.pk}/integrations/",
        {"direction": "out", "other": ma.pk, "data_flow": "leads", "frequency": "hourly"},
    )
    assert crm.outgoing_integrations.get().target == ma


def test_list_query_count_is_flat(client, users, teams):
    team = teams["marketing-ops"]

    def build(n, start):
        for i in range(start, start + n):
            tool = make_tool(team, f"Tool {i:03d}", renewal_date=timezone.localdate())
            owners(tool, users["ops"], users["manager"])
            make_check(team, name=f"Check {i}", tool=tool)

    client.force_login(users["ops"])
    build(10, 0)
    with CaptureQueriesContext(connection) as small:
        assert client.get("/operations/tools/").status_code == 200
    build(190, 10)
    with CaptureQueriesContext(connection) as large:
        response = client.get("/operations/tools/", {"flag": "renewal_soon"})
    assert response.status_code == 200
    assert len(response.context["page"].object_list) == 50
    assert len(large) <= len(small)


def test_list_page_query_budget(client, users, teams, django_assert_max_num_queries):
    team = teams["marketing-ops"]
    for i in range(20):
        tool = make_tool(team, f"Tool {i:03d}")
        owners(tool, users["ops"], users["manager"])
    client.force_login(users["ops"])
    with django_assert_max_num_queries(15):
        client.get("/operations/tools/")


def test_operations_landing_page_leads_with_down_checks_and_risks(client, users, teams):
    team = teams["marketing-ops"]
    tool = make_tool(team, "Marketo", category="ma")
    owners(tool, users["ops"])
    check = make_check(team, name="Lead sync", tool=tool)
    type(check).objects.filter(pk=check.pk).update(state="down")
    client.force_login(users["ops"])
    body = client.get("/operations/").content.decode()
    assert "Lead sync" in body
    assert "1 tool depends on a single owner" in body
    assert "/operations/tools/" in body
