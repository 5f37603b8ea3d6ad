"""recompute_kpis by hand, the recompute after a load, the nightly reconcile, and the demo seed."""

from __future__ import annotations

import io
from datetime import date, timedelta

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from analytics.demo import CAMPAIGNS, DAYS, outage_days, seed_analytics_demo
from analytics.models import Anomaly, Campaign, ImportBatch, Kpi, KpiValue, MetricFact
from analytics.selectors import campaigns_for
from analytics.services.facts import Point, load_points
from analytics.services.kpis import create_kpi
from analytics.tasks import reconcile_kpis

from .kpi_helpers import make_campaign, put_facts

pytestmark = pytest.mark.django_db
DAY = date(2026, 10, 7)


@pytest.fixture
def campaign(teams):
    return make_campaign(teams["digital-marketing"], "cmd")


def test_command_prints_what_it_did_per_kpi(campaign, capsys):
    put_facts([(campaign, DAY, "clicks", 3), (campaign, DAY + timedelta(days=40), "clicks", 4)])
    kpi = create_kpi(key="clicks", name="Clicks", expression="clicks", granularity="month")
    KpiValue.objects.all().delete()
    call_command("recompute_kpis")
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "clicks: all periods: 2 written, 0 deleted"
    assert out[-1] == "recomputed 1 KPIs: 2 values written, 0 deleted"
    put_facts([(campaign, DAY + timedelta(days=40), "clicks", 9)])
    call_command("recompute_kpis", "--since", (DAY + timedelta(days=35)).isoformat())
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "clicks: 2026-11-01..end: 1 written, 0 deleted"
    assert KpiValue.objects.get(kpi=kpi, period_start=date(2026, 11, 1)).value == 9
    assert KpiValue.objects.get(kpi=kpi, period_start=date(2026, 10, 1)).value == 3


def test_command_refuses_a_bad_date():
    with pytest.raises(CommandError, match="YYYY-MM-DD"):
        call_command("recompute_kpis", "--since", "yesterday")


def test_a_load_recomputes_the_touched_periods_and_anomalies_on_commit(
    campaign, django_capture_on_commit_callbacks, monkeypatch
):
    from analytics import tasks

    queued = []

    def run_now(*args):  # in-process, also when REDIS_URL points at a real broker
        queued.append(args)
        return tasks.recompute_touched.apply(args=args)

    monkeypatch.setattr(tasks.recompute_touched, "delay", run_now)
    kpi = create_kpi(key="cv", name="CV", expression="conversions", granularity="week")
    put_facts([(campaign, DAY - timedelta(weeks=w), "conversions", 50) for w in range(1, 9)])
    batch = ImportBatch.objects.create(kind="api", source="api")
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        load_points([Point("cmd", DAY, "conversions", 0, "api", 0)], batch=batch)
    assert callbacks and queued == [([campaign.pk], DAY.isoformat(), DAY.isoformat())]
    monday = DAY - timedelta(days=DAY.weekday())
    assert KpiValue.objects.get(kpi=kpi, period_start=monday).value == 0
    anomaly = Anomaly.objects.get(campaign=campaign, date=DAY)
    assert anomaly.direction == "drop" and anomaly.expected == 50


def test_nightly_reconcile_repairs_values(campaign):
    put_facts([(campaign, DAY, "clicks", 3)])
    kpi = create_kpi(key="clicks", name="Clicks", expression="clicks")
    KpiValue.objects.filter(kpi=kpi).update(value=999, numerator=999)
    result = reconcile_kpis()
    assert result["kpis"] and KpiValue.objects.get(kpi=kpi).value == 3


def test_demo_seed_is_realistic_and_idempotent(org, users):
    out = io.StringIO()
    seed_analytics_demo(stdout=out)
    assert Campaign.objects.count() == len(CAMPAIGNS) == 10
    assert MetricFact.objects.count() == 10 * DAYS * 7
    assert set(Kpi.objects.values_list("key", flat=True)) == {
        "cpa",
        "conversions",
        "ctr",
        "roas",
        "cpc",
        "mql",
        "sessions",
        "revenue",
    }
    assert campaigns_for(user=users["marketer"]).count() == 10  # the team was granted access
    outage = outage_days(timezone.localdate())
    collapsed = Anomaly.objects.filter(
        metric__key="conversions", campaign__channel="search", date__in=outage
    )
    assert collapsed.count() == 9 and {a.direction for a in collapsed} == {"drop"}
    assert Anomaly.objects.filter(direction="spike", date__month=11, date__day__gte=20).exists()
    snapshot = (
        list(KpiValue.objects.values_list("pk", "value", "computed_at").order_by("pk")),
        list(Anomaly.objects.values_list("pk", "detected_at").order_by("pk")),
        ImportBatch.objects.count(),
    )
    again = io.StringIO()
    seed_analytics_demo(stdout=again)
    assert "facts 0 created / 0 updated, 0 new KPIs, 0 KPI values written" in again.getvalue()
    assert snapshot == (
        list(KpiValue.objects.values_list("pk", "value", "computed_at").order_by("pk")),
        list(Anomaly.objects.values_list("pk", "detected_at").order_by("pk")),
        ImportBatch.objects.count(),
    )
