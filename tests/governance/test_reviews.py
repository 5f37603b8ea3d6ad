"""Review states, the snapshot at closing, and a closed review being read-only everywhere."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from governance.models import Action, AgendaKind, ReviewState, ReviewTransition
from governance.services.reviews import (
    add_next_action,
    create_review,
    record_item_notes,
    refresh_agenda,
    transition_review,
    update_review,
)

from .conftest import TODAY, WEEK, put_facts

pytestmark = pytest.mark.django_db


@pytest.fixture
def review(world):
    return create_review(team=world["team"], by=world["users"]["manager"], meeting_date=TODAY)


def close(review, user):
    transition_review(review=review, to=ReviewState.IN_MEETING, by=user)
    return transition_review(review=review, to=ReviewState.CLOSED, by=user)


def test_states_go_draft_in_meeting_closed_and_are_logged(world, review):
    manager = world["users"]["manager"]
    with pytest.raises(ValidationError) as err:
        transition_review(review=review, to=ReviewState.CLOSED, by=manager)
    assert "state" in err.value.message_dict
    transition_review(review=review, to=ReviewState.IN_MEETING, by=manager)
    transition_review(review=review, to=ReviewState.CLOSED, by=manager)
    review.refresh_from_db()
    assert review.state == ReviewState.CLOSED and review.closed_at is not None
    log = list(ReviewTransition.objects.filter(review=review).values_list("from_state", "to_state"))
    assert log == [("draft", "in_meeting"), ("in_meeting", "closed")]


def test_notes_decisions_and_next_actions_while_open(world, review):
    manager, marketer = world["users"]["manager"], world["users"]["marketer"]
    item = review.items.get(kind=AgendaKind.KPI, ref="conversions")
    record_item_notes(item=item, notes="CV at zero", root_cause="Tag removed", decision="Restore")
    action = add_next_action(
        review=review,
        item=item,
        title="Restore the tag",
        owner=marketer,
        due_date=TODAY + dt.timedelta(days=2),
        by=manager,
    )
    item.refresh_from_db()
    assert (item.notes, item.root_cause, item.decision) == ("CV at zero", "Tag removed", "Restore")
    assert action.review == review and action.agenda_item == item and action.team == world["team"]
    assert marketer.has_perm("governance.change_action", action)


def test_refresh_keeps_notes_and_updates_figures(world, review):
    manager = world["users"]["manager"]
    item = review.items.get(kind=AgendaKind.KPI, ref="conversions")
    record_item_notes(item=item, notes="keep me")
    put_facts(world["campaign"], TODAY, 1, {"conversions": 5}, source="late")
    refresh_agenda(review=review, by=manager)
    item.refresh_from_db()
    assert item.notes == "keep me" and item.figures["actual"] == 5


def test_closing_freezes_the_figures(world, review):
    manager = world["users"]["manager"]
    close(review, manager)
    before = {(i.kind, i.ref): i.figures for i in review.items.all()}
    put_facts(
        world["campaign"], WEEK[0], 2, {"conversions": 500}, source="late"
    )  # late data arrives
    review.refresh_from_db()
    after = {(i.kind, i.ref): i.figures for i in review.items.all()}
    assert after == before
    assert after[("kpi", "conversions")]["actual"] == 0


def test_services_refuse_to_change_a_closed_review(world, review):
    manager = world["users"]["manager"]
    item = review.items.first()
    close(review, manager)
    calls = [
        lambda: record_item_notes(item=item, notes="late"),
        lambda: refresh_agenda(review=review, by=manager),
        lambda: update_review(review=review, summary="late"),
        lambda: transition_review(review=review, to=ReviewState.IN_MEETING, by=manager),
        lambda: add_next_action(
            review=review, title="late", owner=manager, due_date=TODAY, by=manager
        ),
    ]
    for call in calls:
        with pytest.raises(ValidationError) as err:
            call()
        assert "closed" in " ".join(err.value.messages)
    item.refresh_from_db()
    assert item.notes == "" and not Action.objects.filter(review=review).exists()


def test_the_page_of_a_closed_review_is_read_only(client, world, review):
    manager = world["users"]["manager"]
    item = review.items.get(kind=AgendaKind.KPI, ref="conversions")
    client.force_login(manager)
    page = client.get(review.get_absolute_url()).content.decode()
    assert "Save notes" in page and "Start meeting" in page
    client.post(f"/governance/reviews/{review.pk}/summary/", {"summary": "Tag broke"})
    review.refresh_from_db()
    assert review.summary == "Tag broke"
    client.post(f"/governance/reviews/{review.pk}/summary/", {"summary": ""})
    close(review, manager)
    page = client.get(review.get_absolute_url()).content.decode()
    assert "Save notes" not in page and "Add next action" not in page and "read-only" in page
    response = client.post(
        f"/governance/reviews/{review.pk}/items/{item.pk}/",
        {f"item{item.pk}-notes": "late"},
        follow=True,
    )
    assert "This review is closed" in response.content.decode()
    response = client.post(
        f"/governance/reviews/{review.pk}/summary/", {"summary": "late"}, follow=True
    )
    assert "This review is closed" in response.content.decode()
    response = client.post(
        f"/governance/reviews/{review.pk}/actions/",
        {"act-title": "late", "act-owner": manager.pk, "act-due_date": "2026-11-30"},
        follow=True,
    )
    assert "This review is closed" in response.content.decode()
    item.refresh_from_db()
    review.refresh_from_db()
    assert item.notes == "" and review.summary == ""
    assert not Action.objects.filter(review=review).exists()


def test_the_api_refuses_actions_on_a_closed_review(api_client, world, review):
    manager = world["users"]["manager"]
    close(review, manager)
    api_client.force_authenticate(manager)
    response = api_client.post(
        "/api/v1/actions/",
        {"title": "late", "owner": "manager", "due_date": "2026-11-30", "review": review.pk},
        format="json",
    )
    assert response.status_code == 400
    assert "closed" in response.json()["errors"][0]["message"]
    data = api_client.get(f"/api/v1/reviews/{review.pk}/").json()
    assert data["state"] == "closed"
    assert {i["ref"] for i in data["items"] if i["kind"] == "kpi"} == {"conversions", "cpa"}
    for method in ("patch", "put", "delete"):
        assert getattr(api_client, method)(f"/api/v1/reviews/{review.pk}/", {}).status_code == 405


def test_print_view_is_a_standalone_a4_page(client, world, review):
    client.force_login(world["users"]["manager"])
    page = client.get(f"/governance/reviews/{review.pk}/print/").content.decode()
    assert "topbar" not in page and "KPIs: actual vs target" in page
    assert "Off track" in page
