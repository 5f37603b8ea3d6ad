"""Who changed what and when, with before/after values, shown on the object's page."""

import pytest

from mops.models import Team
from mops.selectors import history_of
from mops.services import create_team

pytestmark = pytest.mark.django_db


def test_changes_are_recorded_with_before_and_after(users):
    team = create_team(name="広告チーム", slug="ads")
    team.description = "検索広告とSNS広告"
    team.save()
    entries = history_of(team)
    assert [e.action for e in entries] == ["~", "+"]
    change = entries[0].changes[0]
    assert (change.field, change.old, change.new) == ("description", "", "検索広告とSNS広告")


def test_history_records_the_user_of_the_request(client, users):
    client.force_login(users["admin"])
    team = Team.objects.get(slug="marketing-ops")
    response = client.post(
        f"/admin/mops/team/{team.pk}/change/",
        {
            "name": team.name,
            "slug": team.slug,
            "description": "MA と CRM の運用",
            "memberships-TOTAL_FORMS": "0",
            "memberships-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 302, response.content[:2000]
    entry = history_of(team)[0]
    assert entry.who == users["admin"]
    assert entry.changes[0].new == "MA と CRM の運用"


def test_team_page_shows_the_audit_trail(client, users):
    team = Team.objects.get(slug="management")
    team.description = "新しい説明"
    team.save()
    client.force_login(users["marketer"])
    html = client.get(team.get_absolute_url()).content.decode()
    assert "新しい説明" in html and "<del>" in html


def test_audit_trail_is_not_editable_in_the_admin(client, users):
    client.force_login(users["admin"])
    team = Team.objects.get(slug="management")
    record = team.history.first()
    before = list(team.history.values_list("history_id", "name"))
    url = f"/admin/mops/team/{team.pk}/history/{record.history_id}/"
    assert client.get(url).status_code == 200  # a past version can be viewed
    response = client.post(url, {"name": "Hijacked", "slug": team.slug})
    assert response.status_code == 403
    team.refresh_from_db()
    assert team.name != "Hijacked"
    assert list(team.history.values_list("history_id", "name")) == before
