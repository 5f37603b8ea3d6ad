"""The triage dashboard: ordering, SLA timers, one-click htmx actions, polling partial,
filters, permissions, and a query count that does not grow with the number of incidents."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from operations.models import Check, Incident
from operations.selectors.triage import TRIAGE_LIMIT, triage_rows

from .incident_support import S, make_incident, make_tool, move_to, severity_policy
from .triage_fixtures import *  # noqa: F403 - the triage fixtures
from .triage_fixtures import BOARD, INDEX, bulk_incidents, count_queries


@pytest.mark.django_db
def test_query_count_is_the_same_for_10_and_1000_incidents(
    org, client, board_data, django_assert_num_queries
):
    client.force_login(org["users"]["ops"])
    bulk_incidents(board_data["team"], 10, board_data["tool"])
    counts = {url: count_queries(client, url) for url in (INDEX, BOARD)}
    bulk_incidents(board_data["team"], 990, board_data["tool"])
    for url, expected in counts.items():
        with django_assert_num_queries(expected):
            response = client.get(url)
        # the board lists the most urgent TRIAGE_LIMIT; its counts cover all 1,000
        assert response.content.count(b'data-incident="') == TRIAGE_LIMIT
        assert b'data-count="open">1000<' in response.content
        assert b"The 100 most urgent of 1000 open incidents." in response.content


@pytest.mark.django_db
def test_unacknowledged_and_unassigned_come_first_then_severity_and_age(org, board_data):
    ops = org["users"]["ops"]
    acked = make_incident(org, title="acked sev1", severity="sev1")
    from operations.services import incidents as svc

    svc.acknowledge(incident=acked, by=ops)
    old_sev3 = make_incident(org, title="old sev3", severity="sev3")
    Incident.objects.filter(pk=old_sev3.pk).update(triggered_at=timezone.now() - timedelta(hours=3))
    make_incident(org, title="sev2", severity="sev2")
    assigned = make_incident(org, title="assigned sev1", severity="sev1")
    svc.assign(incident=assigned, assignee=ops, by=ops)
    titles = [r.incident.title for r in triage_rows(user=ops)]
    assert titles == ["sev2", "old sev3", "assigned sev1", "acked sev1"]


@pytest.mark.django_db
def test_sla_timer_marks_overdue_unacknowledged_incidents(org, client, board_data):
    late = make_incident(org, title="late one", severity="sev1")
    Incident.objects.filter(pk=late.pk).update(triggered_at=timezone.now() - timedelta(minutes=6))
    make_incident(org, title="fresh one", severity="sev1")
    rows = {r.incident.title: r for r in triage_rows(user=org["users"]["ops"])}
    assert rows["late one"].overdue and not rows["fresh one"].overdue
    client.force_login(org["users"]["ops"])
    html = client.get(BOARD).content.decode()
    assert html.count("ops-row-overdue") == 1 and 'data-count="overdue">1<' in html


@pytest.mark.django_db
def test_board_polls_itself_and_shows_checks_by_tool(org, client, board_data):
    client.force_login(org["users"]["ops"])
    html = client.get(INDEX).content.decode()
    assert 'hx-trigger="every 5s"' in html and "data-poll" in html
    assert f'hx-get="{BOARD}"' in html
    assert "GTM" in html and "1 down" in html


@pytest.mark.django_db
def test_one_click_acknowledge_returns_the_refreshed_board(org, client, board_data):
    incident = make_incident(org)
    client.force_login(org["users"]["ops"])
    url = reverse("operations:triage_action", args=[incident.pk, "acknowledge"])
    response = client.post(url, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert b'id="triage-board"' in response.content and b"<html" not in response.content
    incident.refresh_from_db()
    assert incident.state == "acknowledged" and incident.assignee == org["users"]["ops"]
    # a second acknowledge is refused with a message on the board, nothing changes
    response = client.post(url, HTTP_HX_REQUEST="true")
    assert b"cannot go from" in response.content
    assert incident.events.filter(kind="state_change").count() == 2


@pytest.mark.django_db
def test_assign_to_me_and_resolve_without_htmx_redirect_back(org, client, board_data):
    incident = make_incident(org)
    client.force_login(org["users"]["ops"])
    for action in ("assign-to-me", "resolve"):
        url = reverse("operations:triage_action", args=[incident.pk, action])
        response = client.post(url)
        assert response.status_code == 302 and response["Location"].startswith(INDEX)
    incident.refresh_from_db()
    assert incident.state == "resolved" and incident.assignee == org["users"]["ops"]


@pytest.mark.django_db
def test_actions_need_csrf(org, board_data):
    from django.test import Client

    incident = make_incident(org)
    client = Client(enforce_csrf_checks=True)
    client.force_login(org["users"]["ops"])
    url = reverse("operations:triage_action", args=[incident.pk, "acknowledge"])
    assert client.post(url, HTTP_HX_REQUEST="true").status_code == 403
    incident.refresh_from_db()
    assert incident.state == "triggered"


@pytest.mark.django_db
def test_readers_see_no_action_buttons_and_cannot_post(org, client, board_data):
    incident = make_incident(org)
    client.force_login(org["users"]["manager"])
    html = client.get(BOARD).content.decode()
    assert f'data-incident="{incident.pk}"' in html and 'data-action="acknowledge"' not in html
    url = reverse("operations:triage_action", args=[incident.pk, "resolve"])
    response = client.post(url, HTTP_HX_REQUEST="true")
    assert b"may not change" in response.content
    incident.refresh_from_db()
    assert incident.state == "triggered"


@pytest.mark.django_db
def test_other_teams_do_not_see_the_incident(org, client, board_data):
    incident = make_incident(org)
    client.force_login(org["users"]["marketer"])
    html = client.get(BOARD).content.decode()
    assert f'data-incident="{incident.pk}"' not in html
    url = reverse("operations:triage_action", args=[incident.pk, "acknowledge"])
    assert client.post(url).status_code == 404


@pytest.mark.django_db
def test_filters_by_severity_tool_and_team(org, client, board_data):
    with_tool = make_incident(org, severity="sev1", tools=[board_data["tool"]])
    other = make_incident(org, severity="sev3")
    client.force_login(org["users"]["ops"])

    def shown(**params):
        html = client.get(BOARD, params).content.decode()
        return {i.pk for i in (with_tool, other) if f'data-incident="{i.pk}"' in html}

    assert shown() == {with_tool.pk, other.pk}
    assert shown(severity="sev3") == {other.pk}
    assert shown(tool=board_data["tool"].pk) == {with_tool.pk}
    assert shown(team=org["teams"]["digital-marketing"].pk) == set()
    assert shown(severity="bogus") == {with_tool.pk, other.pk}  # unknown values are ignored


@pytest.mark.django_db
def test_incident_list_query_count_is_the_same_for_10_and_1000_incidents(
    org, client, board_data, django_assert_num_queries
):
    client.force_login(org["users"]["ops"])
    url = reverse("operations:incident_list")
    bulk_incidents(board_data["team"], 10, board_data["tool"])
    expected = count_queries(client, url)
    bulk_incidents(board_data["team"], 990, board_data["tool"])
    with django_assert_num_queries(expected):
        response = client.get(url)
    assert b"1000 incidents" in response.content  # the paginator counts all, the page shows few
    assert response.content.count(b"Bulk ") < 1000


@pytest.mark.django_db
def test_overdue_count_uses_the_teams_own_policy_else_the_default(org, board_data):
    """The counter is computed in SQL; it must agree with ``ack_deadline`` row by row."""
    from operations.selectors.triage import triage_counts

    ops_team, other_team = org["teams"][S], org["teams"]["digital-marketing"]
    severity_policy(ops_team, "sev1", ack=60, after=60)  # overrides the default 5 minutes
    ten_minutes_ago = timezone.now() - timedelta(minutes=10)
    own_policy = make_incident(org, title="own policy", severity="sev1")
    default_policy = make_incident(org, title="default", severity="sev1", team=other_team)
    no_policy = make_incident(org, title="no policy", severity="sev4")
    Incident.objects.filter(pk__in=[own_policy.pk, default_policy.pk, no_policy.pk]).update(
        triggered_at=ten_minutes_ago
    )
    admin = org["users"]["admin"]
    rows = {r.incident.title: r.overdue for r in triage_rows(user=admin)}
    assert rows == {"own policy": False, "default": True, "no policy": False}
    counts = triage_counts(user=admin)
    assert counts["overdue"] == 1
    assert counts["by_severity"] == {"sev1": 2, "sev2": 0, "sev3": 0, "sev4": 1}
    assert (counts["open"], counts["unacknowledged"], counts["unassigned"]) == (3, 3, 3)


@pytest.mark.django_db
def test_board_rows_link_to_the_incident_and_to_actions_that_keep_the_filters(
    org, client, board_data
):
    incident = make_incident(org, severity="sev2", tools=[board_data["tool"]])
    client.force_login(org["users"]["ops"])
    html = client.get(BOARD, {"severity": "sev2"}).content.decode()
    assert f'href="{incident.get_absolute_url()}"' in html
    row = html[html.index(f'id="incident-row-{incident.pk}"') :]
    row = row[: row.index("</tr>")]
    for action in ("acknowledge", "assign-to-me", "resolve"):
        url = reverse("operations:triage_action", args=[incident.pk, action])
        # each button posts to its action: formaction without JavaScript, hx-post with it
        assert f'formaction="{url}?severity=sev2" hx-post="{url}?severity=sev2"' in row
    # one form a row: its token and its htmx target go with whichever button is pressed
    assert row.count("<form ") == 1 and row.count('name="csrfmiddlewaretoken"') == 1
    assert '<form method="post" hx-target="#triage-board" hx-swap="outerHTML"' in row
    assert 'data-state="triggered">Triggered<' in html and ">SEV2<" in html
    assert " · GTM" in html


@pytest.mark.django_db
def test_board_rows_name_each_incidents_tools_in_name_order(org, board_data):
    team = board_data["team"]
    zeta, alpha = make_tool(team, name="Zeta"), make_tool(team, name="Alpha")
    both = make_incident(org, title="both", tools=[zeta, alpha])
    one = make_incident(org, title="one", tools=[zeta])
    none = make_incident(org, title="none")
    rows = {r.incident.pk: r.tools for r in triage_rows(user=org["users"]["ops"])}
    assert rows == {both.pk: ["Alpha", "Zeta"], one.pk: ["Zeta"], none.pk: []}


@pytest.mark.django_db
def test_counts_under_the_tool_filter_count_each_incident_once_by_state(org, board_data):
    """The counts are summed from the database's per state and severity groups; the tool
    filter joins an incident once per tool it has."""
    from operations.selectors.triage import triage_counts
    from operations.services import incidents as svc

    ops, tool = org["users"]["ops"], board_data["tool"]
    other = make_tool(board_data["team"], name="Other")
    acked = make_incident(org, severity="sev1", tools=[tool, other])
    move_to(acked, "acknowledged", by=ops)
    assigned = make_incident(org, severity="sev3", tools=[tool, other])
    svc.assign(incident=assigned, assignee=ops, by=ops)
    make_incident(org, severity="sev3", tools=[tool])
    make_incident(org, severity="sev2", tools=[other])  # not the tool's
    move_to(make_incident(org, severity="sev3", tools=[tool]), "resolved", by=ops)  # not open
    counts = triage_counts(user=org["users"]["admin"], tool=tool)
    assert (counts["open"], counts["unacknowledged"], counts["unassigned"]) == (3, 2, 2)
    assert counts["by_severity"] == {"sev1": 1, "sev2": 0, "sev3": 2, "sev4": 0}


@pytest.mark.django_db
def test_board_rows_escape_what_users_typed(org, client, board_data):
    """The rows are built in Python (operations.views.triage_html): every text is escaped."""
    ops = org["users"]["ops"]
    ops.first_name, ops.last_name = "<b>Ops", "</b>"
    ops.save()
    board_data["tool"].name = 'GTM "<img>"'
    board_data["tool"].save()
    incident = make_incident(org, title="<script>alert(1)</script>", tools=[board_data["tool"]])
    from operations.services import incidents as svc

    svc.assign(incident=incident, assignee=ops, by=ops)
    client.force_login(ops)
    html = client.get(BOARD).content.decode()
    assert "<script>alert(1)" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<img>" not in html and "GTM &quot;&lt;img&gt;&quot;" in html
    assert "<b>Ops" not in html and "&lt;b&gt;Ops &lt;/b&gt;" in html


@pytest.mark.django_db
def test_board_rows_show_deadline_alerts_and_assignee(org, client, board_data):
    from operations.services import incidents as svc

    ops = org["users"]["ops"]
    late = make_incident(org, title="late one", severity="sev1", key="feed-late")
    for _ in range(2):
        make_incident(org, title="late one", severity="sev1", key="feed-late")  # 3 alerts
    Incident.objects.filter(pk=late.pk).update(triggered_at=timezone.now() - timedelta(minutes=65))
    fresh = make_incident(org, title="fresh one", severity="sev2")
    acked = make_incident(org, title="acked one", severity="sev2")
    svc.acknowledge(incident=acked, by=ops)
    client.force_login(ops)
    html = client.get(BOARD).content.decode()

    def row(incident):
        start = html.index(f'id="incident-row-{incident.pk}"')
        return html[start : html.index("</tr>", start)]

    assert '<span class="badge red">overdue</span> by 1\xa0hour' in row(late)
    assert "3 alerts" in row(late) and 'class="ops-row-sev1 ops-row-overdue"' in row(late)
    assert 'class="badge amber">14\xa0minutes left<' in row(fresh)
    assert 'data-action="acknowledge"' in row(fresh) and "nobody" in row(fresh)
    assert "acknowledged" in row(acked) and 'data-action="acknowledge"' not in row(acked)
    ops_name = ops.get_full_name() or ops.get_username()
    assert f"<td>{ops_name}</td>" in row(acked)  # acknowledging assigns
    assert 'data-action="assign-to-me"' not in row(acked)

    ja = client.get(BOARD, headers={"accept-language": "ja"}).content.decode()
    assert "アラート 3 件" in ja and "担当者なし" in ja and "残り 14" in ja
    assert '<span class="badge red">期限超過</span> 1時間 超過<' in ja  # the badge's own word


@pytest.mark.django_db
def test_an_admin_may_act_on_every_row_without_a_query_for_it(org, client, board_data):
    """Ops staff's board asks which shown incidents they may change; an admin may change all.
    (Ops staff's restricted reads also read their groups and personal grants, once.)"""
    bulk_incidents(board_data["team"], 3, board_data["tool"])
    counts = {}
    for username in ("ops", "admin"):
        client.force_login(org["users"][username])
        counts[username] = count_queries(client, BOARD)
        html = client.get(BOARD).content.decode()
        assert html.count('data-action="resolve"') == 3
        assert html.count("GTM") >= 3  # each row names its tool
    assert counts["admin"] == counts["ops"] - 2


@pytest.mark.django_db
def test_inventory_panel_leads_with_checks_down_or_late_else_counts_those_up(
    org, board_data, django_assert_num_queries
):
    from django.test import RequestFactory

    from operations.views.inventory_overview import inventory_panel

    request = RequestFactory().get("/")
    request.user = org["users"]["ops"]
    inventory_panel(request)  # warm the per-process caches (roles, content types)
    with django_assert_num_queries(3):  # tools' flags, the checks down or late, maintenance
        panel = inventory_panel(request)
    assert panel is not None and panel["up"] is None
    assert [c.name for c in panel["attention"]] == ["Check 2", "Check 1"]  # late, then down
    Check.objects.filter(state__in=["down", "late"]).update(state="up")
    with django_assert_num_queries(4):  # and the checks up, which the panel then counts
        panel = inventory_panel(request)
    assert panel["attention"] == [] and panel["up"] == 3


@pytest.mark.django_db
def test_inventory_panel_shows_this_weeks_maintenance_in_constant_queries(
    org, client, board_data, django_assert_num_queries
):
    from .inventory_factories import make_window

    soon = timezone.now() + timedelta(hours=1)
    make_window(board_data["tool"], soon, title="Upgrade 0")
    client.force_login(org["users"]["ops"])
    expected = count_queries(client, INDEX)
    for day in range(1, 4):
        make_window(board_data["tool"], soon + timedelta(days=day), title=f"Upgrade {day}")
    with django_assert_num_queries(expected):
        html = client.get(INDEX).content.decode()
    assert all(f"GTM: Upgrade {day}" in html for day in range(4))
