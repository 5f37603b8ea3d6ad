import pytest
from django.db import connections

from mops import health


@pytest.mark.django_db
def test_healthz_ok_when_everything_answers(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["checks"]["database"] == "ok"
    assert body["checks"]["migrations"] == "ok"
    assert body["checks"]["cache"] == "ok"


@pytest.mark.django_db
def test_healthz_fails_with_503_when_database_is_unreachable(client, monkeypatch):
    def broken():
        raise ConnectionError("could not connect to server")

    monkeypatch.setitem(health.CHECKS, "database", broken)
    response = client.get("/healthz")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "fail"
    assert "could not connect" in body["checks"]["database"]
    assert body["checks"]["migrations"].startswith("skipped")


@pytest.mark.django_db
def test_healthz_degraded_when_migrations_are_pending(client, monkeypatch):
    monkeypatch.setitem(health.CHECKS, "migrations", lambda: "2 pending")
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["status"] == "degraded"


@pytest.mark.redis
@pytest.mark.django_db
def test_healthz_checks_the_real_broker(client):
    body = client.get("/healthz").json()
    assert body["checks"]["broker"] == "ok"
    assert body["status"] == "ok"


def test_database_check_really_queries(db):
    assert health.check_database() == "ok"
    assert connections["default"].is_usable()


@pytest.mark.django_db
def test_healthz_degraded_when_the_newest_backup_is_stale(client, settings, tmp_path):
    from datetime import timedelta

    from django.utils import timezone

    settings.BACKUP_DIR = tmp_path
    assert client.get("/healthz").json()["checks"]["backups"] == "none yet"
    old = (timezone.localtime() - timedelta(days=3)).strftime("%Y%m%d-%H%M%S")
    (tmp_path / f"mops-{old}.dump").write_bytes(b"x")
    body = client.get("/healthz").json()
    assert body["status"] == "degraded" and body["checks"]["backups"] == "newest backup is 72 h old"
    fresh = timezone.localtime().strftime("%Y%m%d-%H%M%S")
    (tmp_path / f"mops-{fresh}.sqlite3.gz").write_bytes(b"x")
    assert client.get("/healthz").json()["checks"]["backups"] == "ok"
