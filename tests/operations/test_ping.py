"""The heartbeat ping contract: ``GET|POST /ping/<uuid>/`` with no login and no CSRF token."""

from __future__ import annotations

import uuid

import pytest
from django.test import Client

from operations.models import CheckState, Ping

from .inventory_factories import make_check

pytestmark = pytest.mark.django_db


@pytest.fixture
def client():
    return Client(enforce_csrf_checks=True)


def test_get_ping_marks_the_check_up(client, teams):
    check = make_check(teams["marketing-ops"])
    response = client.get(f"/ping/{check.uuid}/", HTTP_USER_AGENT="cron/1.0")
    assert response.status_code == 200
    assert response.content.decode().strip() == "OK"
    check.refresh_from_db()
    assert check.state == CheckState.UP and check.last_ping_at is not None
    ping = Ping.objects.get(monitor=check)
    assert ping.user_agent == "cron/1.0" and ping.method == "GET"


def test_post_ping_without_csrf_token_keeps_a_body_excerpt(client, teams):
    check = make_check(teams["marketing-ops"])
    response = client.post(
        f"/ping/{check.uuid}/", data="rows loaded: 1200", content_type="text/plain"
    )
    assert response.status_code == 200
    assert Ping.objects.get(monitor=check).body == "rows loaded: 1200"


def test_ping_without_trailing_slash_works(client, teams):
    check = make_check(teams["marketing-ops"])
    assert client.post(f"/ping/{check.uuid}").status_code == 200


def test_start_and_fail_pings(client, teams):
    check = make_check(teams["marketing-ops"])
    assert client.get(f"/ping/{check.uuid}/start").status_code == 200
    check.refresh_from_db()
    assert check.state == CheckState.NEW
    assert client.post(f"/ping/{check.uuid}/fail").status_code == 200
    check.refresh_from_db()
    assert check.state == CheckState.DOWN
    assert list(check.pings.order_by("at").values_list("kind", flat=True)) == ["start", "fail"]


def test_unknown_uuid_is_404_with_a_clear_message_and_changes_nothing(client, teams):
    make_check(teams["marketing-ops"])
    response = client.get(f"/ping/{uuid.uuid4()}/")
    assert response.status_code == 404
    assert "no check has the ping uuid" in response.content.decode()
    assert not Ping.objects.exists()


def test_malformed_uuid_is_404(client, db):
    response = client.get("/ping/not-a-uuid/")
    assert response.status_code == 404
    assert "malformed" in response.content.decode()


def test_a_non_heartbeat_check_takes_no_pings(client, teams):
    check = make_check(teams["marketing-ops"], kind="http", url="https://example.com/")
    response = client.get(f"/ping/{check.uuid}/")
    assert response.status_code == 400
    assert not Ping.objects.exists()


def test_pings_are_throttled_per_check_generously(client, teams, monkeypatch):
    from operations import ping_urls

    monkeypatch.setattr(ping_urls, "PINGS_PER_MINUTE", 3)
    noisy = make_check(teams["marketing-ops"], name="Noisy")
    quiet = make_check(teams["marketing-ops"], name="Quiet")
    codes = [client.get(f"/ping/{noisy.uuid}/").status_code for _ in range(4)]
    assert codes[:3] == [200, 200, 200] and codes[3] == 429
    assert client.get(f"/ping/{quiet.uuid}/").status_code == 200  # per check, not global
    assert noisy.pings.count() == 3
