"""Every governance page renders for a manager with a bounded number of queries."""

import datetime as dt

import pytest
from django.urls import reverse

from governance.services.actions import create_action
from governance.services.reviews import create_review

from .conftest import TODAY

pytestmark = pytest.mark.django_db


@pytest.fixture
def review(world):
    create_action(
        title="Overdue thing",
        owner=world["users"]["manager"],
        due_date=TODAY - dt.timedelta(days=3),
        team=world["team"],
        by=world["users"]["manager"],
    )
    return create_review(team=world["team"], by=world["users"]["manager"], meeting_date=TODAY)


def test_governance_home_answers_what_needs_attention(client, world, review):
    client.force_login(world["users"]["manager"])
    page = client.get("/governance/").content.decode()
    assert "Vision and mission" in page
    assert "Overdue thing" in page  # overdue actions
    assert review.title in page  # the upcoming review
    assert "Off track" in page  # the KPI status board
    assert "on track when the forecast reaches the target" in page  # the rule is written


@pytest.mark.parametrize(
    "path",
    [
        "/governance/",
        "/governance/strategies/",
        "/governance/strategies/{strategy}/",
        "/governance/plans/",
        "/governance/plans/{plan}/",
        "/governance/plans/{plan}/budget/",
        "/governance/actions/",
        "/governance/actions/?show=overdue",
        "/governance/kpis/",
        "/governance/kpis/conversions/",
        "/governance/kpis/cpa/edit/",
        "/governance/reviews/",
        "/governance/reviews/{review}/",
        "/governance/reviews/{review}/print/",
        "/governance/reviews/new/",
        "/governance/feedback/",
        "/governance/vision/",
    ],
)
def test_pages_render_with_bounded_queries(
    client, world, review, path, django_assert_max_num_queries
):
    client.force_login(world["users"]["manager"])
    url = path.format(strategy=world["strategy"].pk, plan=world["plan"].pk, review=review.pk)
    with django_assert_max_num_queries(80):
        response = client.get(url)
    assert response.status_code == 200


def test_plan_page_shows_budget_burn(client, world):
    client.force_login(world["users"]["manager"])
    page = client.get(world["plan"].get_absolute_url()).content.decode()
    # 49 days × ¥10,000 of cost from 1 October to 18 November
    assert "¥490,000" in page and "¥900,000" in page and "54.4%" in page


def test_kpi_form_shows_formula_errors_from_analytics(client, world):
    client.force_login(world["users"]["manager"])
    response = client.post(
        "/governance/kpis/cpa/edit/",
        {
            "name": "CPA",
            "expression": "cost / nonsense",
            "display_format": "currency",
            "granularity": "week",
            "direction": "lower",
            "team": world["team"].pk,
            "owner": world["users"]["manager"].pk,
        },
    )
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert "expression" in errors and "nonsense" in str(errors["expression"])
    world["cpa"].kpi.refresh_from_db()
    assert world["cpa"].kpi.expression == "cost / conversions"


def test_kpi_trend_page_has_the_chart_with_target_and_forecast(client, world):
    import json
    import re

    client.force_login(world["users"]["manager"])
    page = client.get("/governance/kpis/conversions/").content.decode()
    payload = re.search(
        r'<script type="application/json" data-chart="[^"]+">(.*?)</script>', page, re.S
    )
    figure = json.loads(payload.group(1))
    roles = {trace.get("meta", {}).get("role") for trace in figure["data"]}
    assert {"actual", "target", "forecast"} <= roles


def test_review_can_be_created_from_the_form(client, world):
    client.force_login(world["users"]["manager"])
    response = client.post(
        "/governance/reviews/new/",
        {
            "team": world["team"].pk,
            "meeting_date": TODAY.isoformat(),
            "participants": [world["users"]["manager"].pk],
        },
    )
    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    assert "KPIs: actual vs target" in page and "conversions" in page


def test_overview_shows_off_track_kpis_and_overdue_actions(client, world, review):
    client.force_login(world["users"]["manager"])
    page = client.get("/").content.decode()
    assert "Needs attention" in page and "Overdue thing" in page
    assert "Off track" in page


def test_kpi_trend_draws_the_incident_that_affected_it(client, world):
    import json
    import re

    from .conftest import WEEK
    from .helpers import make_incident

    make_incident(
        title="CV tag down",
        team=world["team"],
        kpis=[world["conversions"].kpi],
        triggered=WEEK[0],
        by=world["users"]["manager"],
    )
    client.force_login(world["users"]["manager"])
    page = client.get("/governance/kpis/conversions/").content.decode()
    payload = re.search(r'data-chart="[^"]+">(.*?)</script>', page, re.S)
    spans = [
        t["meta"]
        for t in json.loads(payload.group(1))["data"]
        if t.get("meta", {}).get("role") == "span"
    ]
    assert len(spans) == 1 and "CV tag down" in spans[0]["label"]
    assert "Incidents that affected this KPI" in page


def test_a_kpi_without_facts_in_its_target_period_shows_a_dash(client, world, today):
    """Its actual is None; the board used to pass "" for it and fail formatting it (HTTP 500)."""
    from governance.services.kpis import set_target

    from .conftest import WEEK, make_kpi

    sessions = make_kpi("sessions", "sessions", team=world["team"], owner=world["users"]["manager"])
    set_target(profile=sessions, period_start=WEEK[0], period_end=WEEK[1], value=500)
    client.force_login(world["users"]["manager"])
    response = client.get(reverse("governance:kpi_list"))
    assert response.status_code == 200
    row = response.content.decode().split("<code>sessions</code>")[1].split("</tr>")[0]
    assert row.count("<td>—</td>") >= 1


def test_overview_panels_read_overdue_actions_and_requests_in_constant_queries(
    client, world, django_assert_num_queries
):
    """The governance panels on the overview read only what they show of each action and
    request: more of them cost no more queries."""
    from governance.services.feedback import create_feedback
    from tests.operations.triage_fixtures import count_queries

    users, teams = world["users"], world["teams"]

    def add(n, start):
        for i in range(start, start + n):
            create_action(
                title=f"Overdue {i}",
                owner=users["manager"],
                due_date=TODAY - dt.timedelta(days=3 + i),
                team=world["team"],
                by=users["manager"],
            )
            create_feedback(
                direction="to_operations",
                title=f"Request {i}",
                from_team=teams["digital-marketing"],
                to_team=teams["marketing-ops"],
                by=users["manager"],
            )

    add(1, 0)
    client.force_login(users["manager"])
    expected = count_queries(client, "/")
    add(4, 1)
    with django_assert_num_queries(expected):
        page = client.get("/").content.decode()
    assert all(f"Overdue {i}" in page and f"Request {i}" in page for i in range(5))
