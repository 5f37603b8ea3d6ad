"""Runbook pages: list, detail, create/edit with steps, versions, diff, export, coverage."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from operations.models import Runbook, RunbookVersion
from operations.services.runbooks import update_runbook

from .runbook_fixtures import *  # noqa: F403 - the runbook fixtures

pytestmark = pytest.mark.django_db


def form_data(team, **overrides):
    """A valid create/edit POST: two steps, the second an approval by a manager."""
    data = {
        "title": "Marketo-Salesforce 同期遅延の対応",
        "summary": "",
        "team": team.pk,
        "owner": "",
        "review_interval_days": "90",
        "body_markdown": "Look at the **sync queue**.",
        "change_note": "",
        "steps-TOTAL_FORMS": "3",
        "steps-INITIAL_FORMS": "0",
        "steps-MIN_NUM_FORMS": "0",
        "steps-MAX_NUM_FORMS": "100",
        "steps-0-title": "Check the queue",
        "steps-0-kind": "action",
        "steps-0-ORDER": "1",
        "steps-1-title": "Manager approves the resync",
        "steps-1-kind": "approval",
        "steps-1-approver_role": "manager",
        "steps-1-ORDER": "2",
        "steps-2-title": "",
        "steps-2-kind": "action",
    }
    data.update(overrides)
    return data


# (user, runbook of marketing-ops: view, edit)
MATRIX = [
    ("ops", 200, 200),
    ("manager", 200, 403),
    ("marketer", 404, 404),
    ("ops2", 404, 404),
    ("admin", 200, 200),
]


@pytest.mark.parametrize(("username", "view", "edit"), MATRIX)
def test_runbook_pages_by_role_and_team(client, runbook, other_ops, users, username, view, edit):
    user = other_ops if username == "ops2" else users[username]
    client.force_login(user)
    assert client.get(runbook.get_absolute_url()).status_code == view
    assert client.get(reverse("operations:runbook_edit", args=[runbook.pk])).status_code == edit
    for name in ("runbook_versions", "runbook_export", "runbook_diff"):
        assert client.get(reverse(f"operations:{name}", args=[runbook.pk])).status_code == view
    listed = runbook.title in client.get(reverse("operations:runbook_list")).content.decode()
    assert listed == (view == 200)


@pytest.mark.parametrize(
    ("username", "allowed"), [("ops", True), ("manager", False), ("marketer", False)]
)
def test_only_ops_create_runbooks(client, team, users, username, allowed):
    client.force_login(users[username])
    response = client.post(reverse("operations:runbook_create"), form_data(team))
    assert Runbook.objects.exists() == allowed
    assert response.status_code == (302 if allowed else 403)


def test_create_saves_ordered_steps_and_redirects(client, team, ops, gtm):
    client.force_login(ops)
    data = form_data(
        team,
        tools=[gtm.pk],
        check_kinds=["heartbeat"],
        **{"steps-0-ORDER": "2", "steps-1-ORDER": "1"},
    )
    response = client.post(reverse("operations:runbook_create"), data)
    runbook = Runbook.objects.get()
    assert response.url == runbook.get_absolute_url()
    steps = list(runbook.current_version.steps.values_list("order", "title", "kind"))
    assert steps == [
        (1, "Manager approves the resync", "approval"),
        (2, "Check the queue", "action"),
    ]
    assert list(runbook.tools.all()) == [gtm] and runbook.check_kinds == ["heartbeat"]
    page = client.get(runbook.get_absolute_url()).content.decode()
    assert "<strong>sync queue</strong>" in page and "Approval by Manager" in page


def test_approval_step_without_role_shows_the_error_and_saves_nothing(client, team, ops):
    client.force_login(ops)
    response = client.post(
        reverse("operations:runbook_create"), form_data(team, **{"steps-1-approver_role": ""})
    )
    assert response.status_code == 200
    assert "An approval step needs the role that approves it." in response.content.decode()
    assert not Runbook.objects.exists()


def test_add_a_step_button_shows_one_more_blank_step_without_saving(client, team, ops):
    client.force_login(ops)
    response = client.post(
        reverse("operations:runbook_create"), {**form_data(team), "add_step": "1"}
    )
    assert response.status_code == 200
    assert 'name="steps-3-title"' in response.content.decode()
    assert not Runbook.objects.exists()


def test_editing_makes_a_new_version_and_unchanged_save_does_not(client, team, ops):
    client.force_login(ops)
    client.post(reverse("operations:runbook_create"), form_data(team))
    runbook = Runbook.objects.get()
    edit = reverse("operations:runbook_edit", args=[runbook.pk])
    page = client.get(edit).content.decode()
    assert 'value="Check the queue"' in page
    data = form_data(
        team, **{"steps-INITIAL_FORMS": "2", "body_markdown": "New body", "change_note": "clearer"}
    )
    client.post(edit, data)
    runbook.refresh_from_db()
    assert runbook.current_version.number == 2
    assert runbook.current_version.change_note == "clearer"
    response = client.post(edit, data, follow=True)
    assert "Nothing changed" in response.content.decode()
    assert runbook.versions.count() == 2


def test_versions_old_version_and_diff_pages(client, runbook, ops):
    update_runbook(runbook=runbook, by=ops, body_markdown="<script>alert(1)</script>New **text**")
    client.force_login(ops)
    versions = client.get(
        reverse("operations:runbook_versions", args=[runbook.pk])
    ).content.decode()
    assert "v1" in versions and "v2" in versions
    old = client.get(reverse("operations:runbook_version", args=[runbook.pk, 1])).content.decode()
    assert "Check the container." in old and "Old version" in old
    assert (
        client.get(reverse("operations:runbook_version", args=[runbook.pk, 9])).status_code == 404
    )
    diff = client.get(reverse("operations:runbook_diff", args=[runbook.pk]) + "?from=1&to=2")
    text = diff.content.decode()
    assert '<span class="add">+&lt;script&gt;alert(1)&lt;/script&gt;New **text**</span>' in text
    assert '<span class="del">-Check the container.</span>' in text
    assert "<script>alert" not in text
    detail = client.get(runbook.get_absolute_url()).content.decode()
    assert "<script>alert" not in detail and "<strong>text</strong>" in detail


def test_export_downloads_markdown(client, runbook, ops):
    client.force_login(ops)
    response = client.get(reverse("operations:runbook_export", args=[runbook.pk]))
    assert response["Content-Type"].startswith("text/markdown")
    assert "attachment" in response["Content-Disposition"]
    assert ".md" in response["Content-Disposition"]
    body = response.content.decode()
    assert body.startswith("# GTMタグ障害時の切り分け") and "## Steps" in body
    old = client.get(reverse("operations:runbook_export", args=[runbook.pk]) + "?version=x")
    assert old.status_code == 404


def test_mark_reviewed_is_for_ops_of_the_team(client, runbook, ops, users):
    url = reverse("operations:runbook_mark_reviewed", args=[runbook.pk])
    client.force_login(users["manager"])
    assert client.post(url).status_code == 403
    client.force_login(ops)
    before = runbook.last_reviewed_at
    assert client.post(url).status_code == 302
    runbook.refresh_from_db()
    assert runbook.last_reviewed_at > before


def test_coverage_page_lists_uncovered_tools_single_executors_and_stale(client, runbook, ops, ga4):
    from operations.services.runbooks import start_execution

    start_execution(runbook=runbook, by=ops)
    Runbook.objects.filter(pk=runbook.pk).update(
        review_interval_days=1, last_reviewed_at="2020-01-01T00:00Z"
    )
    client.force_login(ops)
    page = client.get(reverse("operations:runbook_coverage")).content.decode()
    assert "GA4" in page
    assert page.count(runbook.title) == 2  # single executor and stale


def test_list_page_query_count_does_not_grow(
    client, make_runbook, ops, gtm, ga4, django_assert_max_num_queries
):
    client.force_login(ops)
    for i in range(5):
        make_runbook(title=f"rb {i:03}", tools=[gtm, ga4])
    url = reverse("operations:runbook_list")
    client.get(url)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as small:
        assert client.get(url).status_code == 200
    for i in range(5, 100):
        make_runbook(title=f"rb {i:03}", tools=[gtm, ga4])
    with django_assert_max_num_queries(len(small)):
        page = client.get(url)
    assert page.status_code == 200 and "100 runbooks" in page.content.decode()


def test_bad_review_interval_is_refused_with_a_clear_message(client, team, ops):
    client.force_login(ops)
    response = client.post(
        reverse("operations:runbook_create"), form_data(team, review_interval_days="-3")
    )
    assert response.status_code == 200 and not Runbook.objects.exists()
    assert "greater than or equal to 1" in response.content.decode()


def test_service_error_lands_on_the_form(client, team, ops, users):
    """An owner outside the team is a service rule: the form shows it beside the field."""
    client.force_login(users["admin"])
    response = client.post(
        reverse("operations:runbook_create"), form_data(team, owner=users["marketer"].pk)
    )
    assert response.status_code == 200 and not RunbookVersion.objects.exists()
    assert "The owner must be a member of the runbook" in response.content.decode()


def test_operations_section_shows_the_runbooks_panel(client, runbook, ops, ga4):
    client.force_login(ops)
    page = client.get(reverse("operations:index")).content.decode()
    assert reverse("operations:runbook_coverage") in page
    assert "1 tool without a runbook" in page


def test_runbooks_panel_lists_the_five_most_overdue_and_counts_them_all(
    client, make_runbook, ops, gtm, django_assert_num_queries
):
    from django.test import RequestFactory

    from operations.views.runbook_overview import runbooks_panel

    made = [make_runbook(title=f"Runbook {i}", tools=[gtm]) for i in range(7)]
    for days, runbook in enumerate(made):  # Runbook 0 is the most overdue
        Runbook.objects.filter(pk=runbook.pk).update(
            review_interval_days=1,
            last_reviewed_at=timezone.now() - timedelta(days=30 - days),
        )
    make_runbook(title="Reviewed today", tools=[gtm])
    request = RequestFactory().get("/")
    request.user = ops
    ops.has_perm("operations.view_runbook")  # the role cache is warm, as on a page
    with django_assert_num_queries(3):
        panel = runbooks_panel(request)
    assert panel is not None
    assert [r.title for r in panel["stale"]] == [f"Runbook {i}" for i in range(5)]
    assert panel["stale_count"] == 7
    assert panel["uncovered_count"] == 0 and panel["single_count"] == 0
    client.force_login(ops)
    page = client.get(reverse("operations:index")).content.decode()
    assert "7 runbooks overdue for review" in page and "Runbook 5" not in page
