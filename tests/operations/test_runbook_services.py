"""Runbook writes: every edit is a new version, diffs and exports, the stale rule, bad input."""

from __future__ import annotations

import datetime

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from operations.models import Runbook, RunbookStep, RunbookVersion
from operations.selectors.runbooks import (
    export_markdown,
    runbooks_for,
    stale_runbooks,
    version_diff,
)
from operations.services.runbooks import create_runbook, mark_reviewed, update_runbook

from .runbook_fixtures import *  # noqa: F403 - the runbook fixtures
from .runbook_fixtures import STEPS

pytestmark = pytest.mark.django_db


def test_creating_a_runbook_makes_version_one_with_ordered_steps(runbook, ops):
    version = runbook.current_version
    assert version.number == 1 and version.author == ops
    assert [s.order for s in version.steps.all()] == [1, 2, 3, 4]
    assert [s["title"] for s in version.steps_snapshot] == [s["title"] for s in STEPS]
    assert version.steps.get(order=3).approver_role == "manager"


def test_every_edit_makes_a_new_numbered_version_and_old_ones_stay(runbook, ops):
    update_runbook(runbook=runbook, by=ops, body_markdown="New body", change_note="body")
    update_runbook(runbook=runbook, by=ops, steps=STEPS[:2], change_note="fewer steps")
    update_runbook(runbook=runbook, by=ops, title="Renamed")
    runbook.refresh_from_db()
    numbers = list(runbook.versions.order_by("number").values_list("number", flat=True))
    assert numbers == [1, 2, 3, 4]
    assert runbook.current_version.number == 4
    v1 = runbook.versions.get(number=1)
    assert v1.body_markdown.startswith("# Tags") and v1.steps.count() == 4
    assert runbook.versions.get(number=3).steps.count() == 2
    assert runbook.versions.get(number=2).change_note == "body"


def test_saving_without_changes_makes_no_version(runbook, ops, gtm):
    update_runbook(
        runbook=runbook,
        by=ops,
        title=runbook.title,
        body_markdown="# Tags\n\nCheck the container.",
        steps=STEPS,
        tools=[gtm],
        check_kinds=["http"],
    )
    assert runbook.versions.count() == 1


def test_changing_only_the_tools_is_an_edit_too(runbook, ops, gtm, ga4):
    update_runbook(runbook=runbook, by=ops, tools=[gtm, ga4])
    runbook.refresh_from_db()
    assert runbook.current_version.number == 2
    assert set(runbook.tools.values_list("name", flat=True)) == {"GTM", "GA4"}


def test_diff_shows_added_and_removed_lines(runbook, ops):
    update_runbook(runbook=runbook, by=ops, body_markdown="# Tags\n\nCheck the GA4 realtime view.")
    v1, v2 = runbook.versions.order_by("number")
    lines = version_diff(v1, v2)
    added = [line.text for line in lines if line.kind == "add"]
    removed = [line.text for line in lines if line.kind == "del"]
    assert "+Check the GA4 realtime view." in added
    assert "-Check the container." in removed
    assert not version_diff(v1, v1)


def test_diff_covers_steps(runbook, ops):
    update_runbook(runbook=runbook, by=ops, steps=[*STEPS, {"title": "Tell the sales team"}])
    v1, v2 = runbook.versions.order_by("number")
    added = [line.text for line in version_diff(v1, v2) if line.kind == "add"]
    assert any("Tell the sales team" in text for text in added)


def test_export_has_title_metadata_body_and_steps(runbook):
    text = export_markdown(runbook, runbook.current_version)
    assert text.startswith("# GTMタグ障害時の切り分け\n")
    assert "**Team**: マーケティング運用チーム" in text
    assert "**Tools**: GTM" in text and "**Version**: 1 (" in text
    assert "Check the container." in text
    assert "1. **Look at the GTM version history**" in text
    assert "    Note the last **published** version." in text
    assert "3. **Manager approves publishing (approval by Manager)**" in text
    assert "2. **Roll back or escalate (decision)**" in text


def test_stale_when_review_is_overdue_and_mark_reviewed_restarts_the_clock(make_runbook, ops):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        runbook = make_runbook(review_interval_days=30)
    with time_machine.travel(start + datetime.timedelta(days=29), tick=False):
        assert not runbook.is_stale
        assert not stale_runbooks(user=ops).exists()
    with time_machine.travel(start + datetime.timedelta(days=31), tick=False):
        runbook.refresh_from_db()
        assert runbook.is_stale
        assert list(stale_runbooks(user=ops)) == [runbook]
        mark_reviewed(runbook=runbook, by=ops)
        runbook.refresh_from_db()
        assert not runbook.is_stale and not stale_runbooks(user=ops).exists()
        assert runbook.versions.count() == 1  # a review is not an edit


def test_due_date_annotation_matches_the_property(runbook):
    annotated = runbooks_for(user=runbook.owner).get(pk=runbook.pk)
    assert abs((annotated.due_at - runbook.review_due_at).total_seconds()) < 1


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"title": ""}, "title"),
        ({"steps": [{"title": "Approve", "kind": "approval"}]}, "steps"),
        ({"steps": [{"title": ""}]}, "steps"),
        ({"steps": [{"title": "x", "kind": "magic"}]}, "steps"),
        ({"check_kinds": ["telepathy"]}, "check_kinds"),
        ({"review_interval_days": 0}, "review_interval_days"),
    ],
)
def test_bad_input_is_refused_with_a_field_error_and_changes_nothing(runbook, ops, changes, field):
    before = (runbook.title, runbook.current_version_id)
    with pytest.raises(ValidationError) as exc:
        update_runbook(runbook=runbook, by=ops, **changes)
    assert field in exc.value.message_dict
    runbook.refresh_from_db()
    assert (runbook.title, runbook.current_version_id) == before
    assert RunbookVersion.objects.filter(runbook=runbook).count() == 1


def test_approval_step_without_role_names_the_step(make_runbook):
    with pytest.raises(ValidationError) as exc:
        make_runbook(steps=[{"title": "ok"}, {"title": "Approve", "kind": "approval"}])
    assert "Step 2" in exc.value.message_dict["steps"][0]
    assert not Runbook.objects.exists() and not RunbookStep.objects.exists()


def test_a_runbook_is_created_only_in_ones_own_team(teams, ops):
    with pytest.raises(ValidationError) as exc:
        create_runbook(team=teams["management"], title="Elsewhere", by=ops)
    assert "team" in exc.value.message_dict
    assert not Runbook.objects.exists()


def test_owner_must_belong_to_the_team(team, ops, users):
    with pytest.raises(ValidationError) as exc:
        create_runbook(team=team, title="x", by=ops, owner=users["marketer"])
    assert "owner" in exc.value.message_dict


def test_marketers_and_other_teams_cannot_write(runbook, users, other_ops, team):
    with pytest.raises(PermissionDenied):
        create_runbook(team=team, title="x", by=users["marketer"])
    with pytest.raises(PermissionDenied):
        update_runbook(runbook=runbook, by=other_ops, title="hijack")
    with pytest.raises(PermissionDenied):
        update_runbook(runbook=runbook, by=users["manager"], title="hijack")
    with pytest.raises(PermissionDenied):
        mark_reviewed(runbook=runbook, by=users["manager"])
    runbook.refresh_from_db()
    assert runbook.title != "hijack"


def test_moving_a_runbook_moves_its_permissions(runbook, ops, teams, other_ops, users):
    from mops.services import add_member

    add_member(team=teams["digital-marketing"], user=ops)
    update_runbook(runbook=runbook, by=ops, team=teams["digital-marketing"])
    assert runbooks_for(user=other_ops).filter(pk=runbook.pk).exists()
