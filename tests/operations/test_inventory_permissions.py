"""Permissions per role and team, in the UI and the API alike: the matrix is data.

Objects belong to marketing-ops. ``ops`` (its member) manages them; ``manager`` (member of every
team, read-only role) reads them; ``marketer`` (digital-marketing only) does not see them at all;
``admin`` does everything.
"""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from .inventory_factories import make_check, make_tool, make_window

pytestmark = pytest.mark.django_db

# role -> (sees, may change)
MATRIX = {
    "ops": (True, True),
    "manager": (True, False),
    "marketer": (False, False),
    "admin": (True, True),
}


@pytest.fixture
def objects(teams):
    team = teams["marketing-ops"]
    tool = make_tool(team, "Salesforce")
    check = make_check(team, name="CRM sync", tool=tool)
    window = make_window(tool, timezone.now() + datetime.timedelta(days=1), title="Upgrade")
    return {
        "tool": (tool, "/operations/tools/{}/", "/api/v1/tools/{}/"),
        "check": (check, "/operations/checks/{}/", "/api/v1/checks/{}/"),
        "window": (window, "/operations/maintenance/{}/", "/api/v1/maintenance-windows/{}/"),
    }


@pytest.mark.parametrize("role", MATRIX)
@pytest.mark.parametrize("kind", ["tool", "check", "window"])
def test_ui_detail_and_edit_follow_role_and_team(client, users, objects, role, kind):
    sees, changes = MATRIX[role]
    obj, url, _api = objects[kind]
    client.force_login(users[role])
    assert client.get(url.format(obj.pk)).status_code == (200 if sees else 404)
    assert client.get(url.format(obj.pk) + "edit/").status_code == (200 if changes else 404)


@pytest.mark.parametrize("role", MATRIX)
@pytest.mark.parametrize(
    "path", ["/operations/tools/new/", "/operations/checks/new/", "/operations/maintenance/new/"]
)
def test_ui_create_needs_the_ops_role(client, users, objects, role, path):
    client.force_login(users[role])
    assert client.get(path).status_code == (200 if MATRIX[role][1] else 403)


@pytest.mark.parametrize("role", MATRIX)
def test_ui_lists_show_only_visible_objects(client, users, objects, role):
    client.force_login(users[role])
    sees = MATRIX[role][0]
    for path in ("/operations/tools/", "/operations/checks/", "/operations/maintenance/"):
        page = client.get(path)
        assert page.status_code == 200
        assert len(page.context["page"].object_list) == (1 if sees else 0), path


def test_anonymous_is_sent_to_login(client, objects):
    response = client.get("/operations/tools/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


@pytest.mark.parametrize("role", MATRIX)
@pytest.mark.parametrize("kind", ["tool", "check", "window"])
def test_api_read_and_write_follow_role_and_team(api_client, users, objects, role, kind):
    sees, changes = MATRIX[role]
    obj, _ui, url = objects[kind]
    api_client.force_authenticate(users[role])
    assert api_client.get(url.format(obj.pk)).status_code == (200 if sees else 404)
    listing = api_client.get(url.rsplit("{", 1)[0])
    assert listing.status_code == 200 and listing.json()["count"] == (1 if sees else 0)
    field = "title" if kind == "window" else "name"
    response = api_client.patch(url.format(obj.pk), {field: "Renamed"}, format="json")
    expected = 200 if changes else (403 if sees or role == "marketer" else 404)
    assert response.status_code == expected
    obj.refresh_from_db()
    assert (getattr(obj, field) == "Renamed") == changes


def test_marketer_sees_their_own_teams_tools(client, api_client, users, teams):
    tool = make_tool(teams["digital-marketing"], "Google Ads", category="ad_platform")
    client.force_login(users["marketer"])
    assert client.get(f"/operations/tools/{tool.pk}/").status_code == 200
    assert client.get(f"/operations/tools/{tool.pk}/edit/").status_code == 404
    api_client.force_authenticate(users["marketer"])
    assert api_client.get(f"/api/v1/tools/{tool.pk}/").status_code == 200


def test_a_read_token_cannot_write(bearer, users, objects):
    tool = objects["tool"][0]
    client = bearer(users["ops"], "read")
    assert client.get(f"/api/v1/tools/{tool.pk}/").status_code == 200
    response = client.patch(f"/api/v1/tools/{tool.pk}/", {"name": "X"}, format="json")
    assert response.status_code == 403
    incidents_only = bearer(users["ops"], "incidents:write")  # incidents, not the inventory
    response = incidents_only.patch(f"/api/v1/tools/{tool.pk}/", {"name": "X"}, format="json")
    assert response.status_code == 403
    writer = bearer(users["ops"], "operations:write")
    response = writer.patch(f"/api/v1/tools/{tool.pk}/", {"name": "Salesforce CRM"}, format="json")
    assert response.status_code == 200 and response.json()["name"] == "Salesforce CRM"
