"""The inventory demo: realistic, quiet on a first start, and idempotent."""

from __future__ import annotations

import io

import pytest
from django.utils import timezone

from analytics.models import BatchKind, BatchStatus, ImportBatch
from operations.demo.inventory import seed
from operations.models import Check, CheckKind, CheckState, Integration, MaintenanceWindow, Tool
from operations.selectors.inventory import ToolFilters, tool_list
from operations.services.evaluation import evaluate_due_checks

pytestmark = pytest.mark.django_db


def test_demo_inventory_is_idempotent_and_tells_a_story(users, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        seed(stdout=io.StringIO())
    counts = (
        Tool.objects.count(),
        Integration.objects.count(),
        Check.objects.count(),
        MaintenanceWindow.objects.count(),
    )
    with django_capture_on_commit_callbacks(execute=True):
        seed(stdout=io.StringIO())
    assert counts == (
        Tool.objects.count(),
        Integration.objects.count(),
        Check.objects.count(),
        MaintenanceWindow.objects.count(),
    )
    assert counts[0] == 8 and counts[3] == 2
    assert not Check.objects.filter(kind=CheckKind.HTTP).exists()
    single = {
        t.name for t in tool_list(user=users["ops"], filters=ToolFilters(flags=["single_owner"]))
    }
    assert single == {"Marketo", "GTM", "Tableau"}
    marketer_sees = {t.name for t in tool_list(user=users["marketer"], filters=ToolFilters())}
    assert {"Google Ads", "Yahoo!広告", "GA4", "GTM"} == marketer_sees
    sync = Check.objects.get(name__startswith="CRM sync")
    assert sync.state == CheckState.UP and sync.flips.filter(new_state="down").exists()
    for source in ("google_ads", "yahoo_ads"):  # what the analytics demo loads before this
        ImportBatch.objects.create(
            kind=BatchKind.COMMAND,
            source=source,
            status=BatchStatus.SUCCEEDED,
            finished_at=timezone.now(),
        )
    evaluate_due_checks()
    assert not Check.objects.filter(state=CheckState.DOWN).exists()
