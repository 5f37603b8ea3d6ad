"""The review agenda is prepared on creation and its figures match an independent computation."""

import datetime as dt

import pytest
from django.db.models import Sum

from analytics.models import MetricFact
from governance.models import AgendaKind, ReviewState
from governance.services.actions import create_action
from governance.services.reviews import create_review, set_cadence

from .conftest import PREVIOUS_WEEK, TODAY, WEEK
from .helpers import make_incident

pytestmark = pytest.mark.django_db


def fact_sum(key, start, end):
    """Straight from the fact table, not through analytics' KPI code."""
    total = MetricFact.objects.filter(metric__key=key, date__gte=start, date__lte=end).aggregate(
        total=Sum("value")
    )["total"]
    return total or 0.0


def items(review, kind):
    return {i.ref: i for i in review.items.filter(kind=kind)}


def test_agenda_kpi_figures_match_the_facts(world):
    team, manager = world["team"], world["users"]["manager"]
    review = create_review(team=team, by=manager, meeting_date=TODAY)
    assert (review.period_start, review.period_end) == WEEK
    kpis = items(review, AgendaKind.KPI)
    assert set(kpis) == {"conversions", "cpa"}

    cpa = kpis["cpa"].figures
    cost = fact_sum("cost", WEEK[0], TODAY)
    prev_cost = fact_sum("cost", *PREVIOUS_WEEK)
    prev_conversions = fact_sum("conversions", *PREVIOUS_WEEK)
    assert fact_sum("conversions", WEEK[0], TODAY) == 0
    assert cpa["actual"] is None  # no conversions this week: n/a, not 0 or infinity
    assert cpa["numerator"] == cost and cpa["denominator"] == 0
    assert cpa["previous"] == pytest.approx(prev_cost / prev_conversions)
    assert cpa["change_pct"] is None
    # The forecast projects the remaining days from the last 28: CPA ends far above target.
    assert cpa["target"] == 1000 and cpa["forecast"] > 1100 and cpa["status"] == "off_track"

    conv = kpis["conversions"].figures
    assert conv["actual"] == 0
    assert conv["previous"] == prev_conversions == 70
    assert conv["change_pct"] == pytest.approx(-1.0)
    assert conv["target"] == 70
    assert conv["status"] == "off_track"
    assert (conv["period_start"], conv["period_end"]) == (WEEK[0].isoformat(), TODAY.isoformat())


def test_agenda_lists_plan_burn_and_actions(world):
    team, manager, plan = world["team"], world["users"]["manager"], world["plan"]
    overdue = create_action(
        title="Fix tag",
        owner=world["users"]["marketer"],
        due_date=TODAY - dt.timedelta(days=2),
        plan=plan,
        by=manager,
    )
    later = create_action(
        title="Later", owner=manager, due_date=TODAY + dt.timedelta(days=2), team=team, by=manager
    )
    review = create_review(team=team, by=manager, meeting_date=TODAY)
    plan_item = items(review, AgendaKind.PLAN)[str(plan.pk)].figures
    spend = fact_sum("cost", plan.start_date, TODAY)
    assert plan_item["spend"] == spend
    assert plan_item["budget"] == 900_000
    assert plan_item["burn"] == pytest.approx(spend / 900_000)
    assert plan_item["budget_to_date"] == 600_000  # October and November
    assert plan_item["actions_overdue"] == 1
    actions = items(review, AgendaKind.ACTION)
    assert actions[str(overdue.pk)].figures["overdue"] is True
    assert actions[str(later.pk)].figures["overdue"] is False


def test_agenda_shows_the_incident_that_explains_the_kpi(world):
    team, manager = world["team"], world["users"]["manager"]
    kpi = world["conversions"].kpi
    make_incident(
        title="CV tag down",
        team=team,
        kpis=[kpi],
        campaigns=[world["campaign"]],
        triggered=WEEK[0],
        by=manager,
    )
    make_incident(  # resolved before the period: not on the agenda
        title="Old outage",
        team=team,
        triggered=WEEK[0] - dt.timedelta(days=20),
        resolved=WEEK[0] - dt.timedelta(days=19),
        by=manager,
    )
    review = create_review(team=team, by=manager, meeting_date=TODAY)
    incidents = list(review.items.filter(kind=AgendaKind.INCIDENT))
    assert [i.title for i in incidents] == ["CV tag down"]
    assert incidents[0].figures["kpis"] == ["conversions"]
    assert items(review, AgendaKind.KPI)["conversions"].figures["incidents"] == ["CV tag down"]


def test_the_period_follows_the_team_cadence(world):
    team, manager = world["team"], world["users"]["manager"]
    set_cadence(team=team, cadence="monthly")
    review = create_review(team=team, by=manager, meeting_date=TODAY)
    assert (review.period_start, review.period_end) == (dt.date(2026, 11, 1), dt.date(2026, 11, 30))
    assert review.cadence == "monthly" and review.state == ReviewState.DRAFT


def test_one_review_per_team_and_period(world):
    from django.core.exceptions import ValidationError

    team, manager = world["team"], world["users"]["manager"]
    create_review(team=team, by=manager, meeting_date=TODAY)
    with pytest.raises(ValidationError) as err:
        create_review(team=team, by=manager, meeting_date=TODAY + dt.timedelta(days=1))
    assert "period_start" in err.value.message_dict


def test_csv_export_has_the_agenda_figures(client, world):
    team, manager = world["team"], world["users"]["manager"]
    review = create_review(team=team, by=manager, meeting_date=TODAY)
    client.force_login(manager)
    response = client.get(f"/governance/reviews/{review.pk}/agenda.csv")
    assert response.status_code == 200
    import csv
    import io

    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    by_ref = {(r["kind"], r["ref"]): r for r in rows}
    assert by_ref[("kpi", "conversions")]["status"] == "off_track"
    assert float(by_ref[("kpi", "conversions")]["previous"]) == 70
    assert by_ref[("kpi", "cpa")]["actual"] == ""  # n/a stays empty, never 0
    assert len(rows) == review.items.count()
