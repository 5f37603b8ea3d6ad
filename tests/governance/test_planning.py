"""Vision, strategies from the fiscal calendar, plan budgets, KPI definitions through the forms."""

import datetime as dt

import pytest

from governance.models import KpiProfile, PlanBudget, Strategy, Vision

pytestmark = pytest.mark.django_db


def test_manager_writes_the_vision_everyone_reads_it(client, world):
    client.force_login(world["users"]["manager"])
    response = client.post("/governance/vision/", {"vision": "Be chosen", "mission": "Measure"})
    assert response.status_code == 302
    assert Vision.objects.get(team__isnull=True).vision == "Be chosen"
    client.force_login(world["users"]["ops"])
    assert "Be chosen" in client.get("/governance/").content.decode()
    assert client.post("/governance/vision/", {"vision": "Mine"}).status_code == 403


def test_strategy_period_comes_from_the_fiscal_year(client, world):
    client.force_login(world["users"]["manager"])
    response = client.post(
        "/governance/strategies/new/",
        {
            "title": "H2 push",
            "team": world["team"].pk,
            "owner": world["users"]["manager"].pk,
            "status": "draft",
            "period_kind": "half",
            "fiscal_year": "2026",
            "period_index": "2",
            "strengths": "Brand",
        },
    )
    assert response.status_code == 302
    strategy = Strategy.objects.get(title="H2 push")
    assert (strategy.period_start, strategy.period_end) == (
        dt.date(2026, 10, 1),
        dt.date(2027, 3, 31),
    )
    page = client.get(strategy.get_absolute_url()).content.decode()
    assert "Strengths" in page and "Brand" in page and "FY2026" in page


def test_monthly_budget_form_replaces_rows_and_totals(client, world):
    plan = world["plan"]
    client.force_login(world["users"]["manager"])
    response = client.post(
        f"/governance/plans/{plan.pk}/budget/",
        {"m_2026_10": "100000", "m_2026_11": "", "m_2026_12": "250000"},
    )
    assert response.status_code == 302
    plan.refresh_from_db()
    assert plan.budget == 350_000
    assert list(PlanBudget.objects.filter(plan=plan).values_list("month", flat=True)) == [
        dt.date(2026, 10, 1),
        dt.date(2026, 12, 1),
    ]


def test_plan_outside_its_strategy_is_refused_with_a_field_message(client, world):
    client.force_login(world["users"]["manager"])
    response = client.post(
        "/governance/plans/new/",
        {
            "strategy": world["strategy"].pk,
            "title": "Too late",
            "team": world["team"].pk,
            "owner": world["users"]["manager"].pk,
            "status": "planned",
            "start_date": "2028-01-01",
            "end_date": "2027-12-01",
            "currency": "JPY",
        },
    )
    assert response.status_code == 200
    assert "end_date" in response.context["form"].errors


def test_new_kpi_through_the_governance_form_warns_about_zero_denominators(client, world):
    client.force_login(world["users"]["manager"])
    data = {
        "key": "cvr",
        "name": "CVR",
        "expression": "conversions / clicks",
        "display_format": "percent",
        "granularity": "week",
        "direction": "higher",
        "team": world["team"].pk,
        "owner": world["users"]["manager"].pk,
    }
    response = client.post("/governance/kpis/new/", {**data, "expression": "conversions / oops"})
    assert response.status_code == 200
    assert "oops" in str(response.context["form"].errors["expression"])
    response = client.post("/governance/kpis/new/", data)
    assert response.status_code == 302
    profile = KpiProfile.objects.get(kpi__key="cvr")
    assert profile.team == world["team"] and profile.direction == "higher"
    page = client.get(profile.get_absolute_url()).content.decode()
    assert "can be zero" in page  # the denominator warning stays on the definition


def test_targets_are_added_from_the_kpi_page(client, world):
    profile = world["conversions"]
    client.force_login(world["users"]["manager"])
    response = client.post(
        f"/governance/kpis/{profile.kpi.key}/targets/new/",
        {"period_start": "2026-12-01", "period_end": "2026-12-31", "value": "300"},
    )
    assert response.status_code == 302
    assert profile.targets.filter(period_start=dt.date(2026, 12, 1), value=300).exists()
    response = client.post(
        f"/governance/kpis/{profile.kpi.key}/targets/new/",
        {"period_start": "2027-01-01", "period_end": "2027-01-31"},
    )
    assert response.status_code == 200 and "value" in response.context["form"].errors
