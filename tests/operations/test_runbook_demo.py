"""The runbook demo data: Japanese runbooks linked to the inventory's tools, idempotent."""

from __future__ import annotations

import io

import pytest

from mops.permissions import grant_team_access
from operations.demo.runbooks import seed
from operations.models import Runbook, RunbookExecution, Tool
from operations.selectors.runbooks import single_executor_runbooks, stale_runbooks

pytestmark = pytest.mark.django_db

TOOLS = ["Salesforce", "Marketo", "Google Ads", "Yahoo!広告", "GA4", "GTM", "BigQuery", "Tableau"]


def test_seed_links_tools_by_name_and_is_idempotent(org):
    team = org["teams"]["marketing-ops"]
    for name in TOOLS:
        grant_team_access(team, Tool.objects.create(name=name, team=team))
    seed(stdout=io.StringIO())
    seed(stdout=io.StringIO())
    assert Runbook.objects.count() == 3 and RunbookExecution.objects.count() == 1
    gtm = Runbook.objects.get(title="GTMタグ障害時の切り分け")
    assert gtm.current_version.number == 2
    assert gtm.current_version.steps.filter(kind="approval", approver_role="manager").exists()
    assert set(gtm.tools.values_list("name", flat=True)) == {"GTM", "GA4"}
    execution = RunbookExecution.objects.get()
    assert execution.started_by.username == "ops" and execution.outcome == "success"
    assert execution.step_runs.count() == execution.version.steps.count()
    ops = org["users"]["ops"]
    assert [r.title for r in single_executor_runbooks(user=ops)] == [execution.runbook.title]
    assert [r.title for r in stale_runbooks(user=ops)] == ["広告アカウント停止時の対応"]


def test_seed_without_inventory_links_no_tools(org):
    seed(stdout=io.StringIO())
    assert Runbook.objects.count() == 3
    assert not Tool.objects.exists()
    assert all(not r.tools.exists() for r in Runbook.objects.all())
