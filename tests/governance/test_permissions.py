"""Who may see and change governance objects: role × team, owners of actions, UI and API."""

import datetime as dt

import pytest
from django.contrib.auth import get_user_model

from governance.models import ActionStatus, Strategy
from governance.services.actions import create_action
from governance.services.planning import create_strategy
from mops.services import add_member, set_role

from .conftest import TODAY

pytestmark = pytest.mark.django_db

STRATEGY = {
    "title": "Ops stability",
    "status": "active",
    "period_kind": "half",
    "period_start": dt.date(2026, 10, 1),
    "period_end": dt.date(2027, 3, 31),
}


@pytest.fixture
def other_manager(org):
    """A manager whose only team is management: digital-marketing's objects are not theirs."""
    user = get_user_model().objects.create_user("manager2", password="x")
    set_role(user=user, role="manager")
    add_member(team=org["teams"]["management"], user=user)
    return user


@pytest.fixture
def ops_strategy(world):
    return create_strategy(
        team=world["teams"]["marketing-ops"], owner=world["users"]["ops"], **STRATEGY
    )


# (user, strategy of digital-marketing: view, change page, API PATCH). Without the role's
# change permission the API answers 403 before looking; a manager of another team gets 404.
MATRIX = [
    ("manager", 200, 200, 200),
    ("marketer", 200, 404, 403),
    ("ops", 404, 404, 403),
    ("manager2", 404, 404, 404),
    ("admin", 200, 200, 200),
]


@pytest.mark.parametrize(("username", "view", "change", "patch"), MATRIX)
def test_strategy_pages_by_role_and_team(
    client, world, other_manager, username, view, change, patch
):
    user = get_user_model().objects.get(username=username)
    strategy = world["strategy"]
    client.force_login(user)
    assert client.get(strategy.get_absolute_url()).status_code == view
    assert client.get(f"/governance/strategies/{strategy.pk}/edit/").status_code == change
    listed = strategy.title in client.get("/governance/strategies/").content.decode()
    assert listed == (view == 200)


@pytest.mark.parametrize(("username", "view", "change", "patch"), MATRIX)
def test_strategy_api_by_role_and_team(
    api_client, world, other_manager, username, view, change, patch
):
    user = get_user_model().objects.get(username=username)
    strategy = world["strategy"]
    api_client.force_authenticate(user)
    assert api_client.get(f"/api/v1/strategies/{strategy.pk}/").status_code == view
    response = api_client.patch(
        f"/api/v1/strategies/{strategy.pk}/", {"title": "Renamed"}, format="json"
    )
    assert response.status_code == patch
    strategy.refresh_from_db()
    assert (strategy.title == "Renamed") == (patch == 200)


@pytest.mark.parametrize(
    ("username", "status"), [("manager", 302), ("marketer", 403), ("ops", 403)]
)
def test_only_managers_create_strategies(client, world, username, status):
    user = world["users"][username]
    client.force_login(user)
    data = {
        **STRATEGY,
        "team": world["team"].pk,
        "owner": user.pk,
        "fiscal_year": "",
        "period_start": "2026-10-01",
        "period_end": "2027-03-31",
        "title": "New one",
    }
    response = client.post("/governance/strategies/new/", data)
    assert response.status_code == status
    assert Strategy.objects.filter(title="New one").exists() == (status == 302)


def test_a_manager_cannot_create_for_another_team(api_client, world, other_manager):
    api_client.force_authenticate(other_manager)
    response = api_client.post(
        "/api/v1/strategies/",
        {
            **{k: str(v) for k, v in STRATEGY.items()},
            "team": "digital-marketing",
            "owner": "manager2",
        },
        format="json",
    )
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "team"


def test_ops_sees_its_own_team_strategy_only(client, world, ops_strategy):
    client.force_login(world["users"]["ops"])
    page = client.get("/governance/strategies/").content.decode()
    assert ops_strategy.title in page and world["strategy"].title not in page


@pytest.fixture
def owned_action(world):
    """An action of the management team owned by the marketer (not a member of that team)."""
    return create_action(
        title="Send the weekly numbers",
        owner=world["users"]["marketer"],
        due_date=TODAY - dt.timedelta(days=1),
        team=world["teams"]["management"],
        by=world["users"]["manager"],
    )


def test_owner_updates_own_action_in_the_ui(client, world, owned_action):
    marketer = world["users"]["marketer"]
    client.force_login(marketer)
    page = client.get("/governance/actions/?show=mine").content.decode()
    assert owned_action.title in page and "Overdue" in page
    page = client.get(owned_action.get_absolute_url()).content.decode()
    assert 'name="status"' in page and 'name="title"' not in page  # progress, not reassignment
    response = client.post(
        owned_action.get_absolute_url(),
        {"status": "done", "due_date": owned_action.due_date.isoformat(), "description": "sent"},
    )
    assert response.status_code == 302
    owned_action.refresh_from_db()
    assert owned_action.status == ActionStatus.DONE and owned_action.completed_at is not None


def test_owner_updates_own_action_through_the_api(bearer, world, owned_action):
    client = bearer(world["users"]["marketer"], "read", "governance:write")
    url = f"/api/v1/actions/{owned_action.pk}/"
    assert client.patch(url, {"status": "in_progress"}, format="json").status_code == 200
    assert client.patch(url, {"title": "Something else"}, format="json").status_code == 403
    owned_action.refresh_from_db()
    assert owned_action.status == "in_progress" and owned_action.title == "Send the weekly numbers"


def test_others_cannot_touch_an_action(client, api_client, world, owned_action):
    ops = world["users"]["ops"]
    client.force_login(ops)
    assert client.get(owned_action.get_absolute_url()).status_code == 404
    api_client.force_authenticate(ops)
    response = api_client.patch(
        f"/api/v1/actions/{owned_action.pk}/", {"status": "done"}, format="json"
    )
    assert response.status_code == 404


def test_token_scopes_gate_writes(bearer, world):
    manager = world["users"]["manager"]
    data = {"title": "T", "owner": "manager", "due_date": "2026-12-01", "team": "digital-marketing"}
    reader = bearer(manager, "read")
    assert reader.get("/api/v1/actions/").status_code == 200
    assert reader.post("/api/v1/actions/", data, format="json").status_code == 403
    writer = bearer(manager, "governance:write")
    response = writer.post("/api/v1/actions/", data, format="json")
    assert response.status_code == 201, response.json()
    assert response.json()["owner"] == "manager"


def test_marketer_reads_but_cannot_edit_kpis_or_create_reviews(client, world):
    client.force_login(world["users"]["marketer"])
    assert client.get("/governance/kpis/conversions/").status_code == 200
    assert client.get("/governance/kpis/conversions/edit/").status_code == 404
    assert client.get("/governance/reviews/new/").status_code == 403
    assert client.post("/governance/kpis/conversions/targets/new/", {}).status_code == 404
