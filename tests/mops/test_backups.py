"""Backups: made while the portal runs, kept to the newest N, restored with what they held."""

from __future__ import annotations

import gzip
import io
import sqlite3
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.utils import timezone

from mops.backups import BackupError, create_backup, list_backups, prune_backups, restore_backup
from mops.models import Team
from mops.services import create_team


@pytest.fixture
def backup_dir(tmp_path, settings):
    settings.BACKUP_DIR = tmp_path / "backups"
    settings.BACKUP_KEEP = 3
    return settings.BACKUP_DIR


def fake_backups(directory, ages_in_days, suffix):
    directory.mkdir(parents=True, exist_ok=True)
    now = timezone.localtime()
    for age in ages_in_days:
        stamp = (now - timedelta(days=age)).strftime("%Y%m%d-%H%M%S")
        (directory / f"mops-{stamp}{suffix}").write_bytes(b"x")


def suffix() -> str:
    return ".dump" if connection.vendor == "postgresql" else ".sqlite3.gz"


def test_only_the_newest_are_kept_and_other_files_are_left_alone(backup_dir):
    fake_backups(backup_dir, [5, 1, 3, 2, 4], suffix())
    (backup_dir / "notes.txt").write_text("not a backup")
    deleted = prune_backups()
    assert len(deleted) == 2
    ages = [(timezone.now() - b.made_at).days for b in list_backups()]
    assert ages == [1, 2, 3]
    assert (backup_dir / "notes.txt").exists()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_backup_holds_the_data_and_a_restore_brings_it_back(backup_dir, users):
    create_team(name="Kept", slug="kept")
    out = io.StringIO()
    call_command("backup", stdout=out)
    path = list_backups()[0].path
    assert out.getvalue().strip().splitlines()[-1] == str(path)
    if connection.vendor == "sqlite":  # the file is a gzipped SQLite database with the team
        with gzip.open(path) as packed:
            assert packed.read(16) == b"SQLite format 3\x00"
    create_team(name="Later", slug="later")
    Team.objects.filter(slug="kept").delete()
    with pytest.raises(CommandError, match="--yes"):
        call_command("restore_backup", path.name)
    call_command("restore_backup", path.name, "--yes", stdout=io.StringIO())
    connection.close()
    slugs = set(Team.objects.values_list("slug", flat=True))
    assert "kept" in slugs and "later" not in slugs


def test_a_backup_of_the_wrong_kind_or_a_missing_file_is_refused(backup_dir, db):
    backup_dir.mkdir(parents=True)
    other = ".sqlite3.gz" if connection.vendor == "postgresql" else ".dump"
    wrong = backup_dir / f"mops-20260101-000000{other}"
    wrong.write_bytes(b"x")
    with pytest.raises(BackupError, match="restores from"):
        restore_backup(wrong)
    with pytest.raises(BackupError, match="no such backup"):
        restore_backup(backup_dir / "missing.dump")


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_backups_page_is_for_admins_and_makes_a_backup(client, users, backup_dir):
    client.force_login(users["manager"])
    assert client.get("/backups/").status_code == 403
    from django_celery_beat.models import CrontabSchedule, PeriodicTask

    # as migration mops 0004 schedules it (an earlier test's flush may have removed it)
    at_0230, _ = CrontabSchedule.objects.get_or_create(minute="30", hour="2")
    PeriodicTask.objects.update_or_create(
        name="mops: back up the database",
        defaults={"task": "mops.tasks.back_up_database", "crontab": at_0230, "enabled": True},
    )
    client.force_login(users["admin"])
    page = client.get("/backups/").content.decode()
    assert "No backup yet" in page and "every night at 02:30" in page
    PeriodicTask.objects.filter(task="mops.tasks.back_up_database").update(enabled=False)
    assert "The nightly backup is not scheduled" in client.get("/backups/").content.decode()
    response = client.post("/backups/", follow=True)
    page = response.content.decode()
    assert "made." in page and list_backups()[0].name in page


def test_a_missing_pg_dump_is_a_clear_error(backup_dir, monkeypatch, db):
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL backups only")
    monkeypatch.setenv("PATH", "/nonexistent")
    with pytest.raises(BackupError, match="pg_dump is not installed"):
        create_backup()
    assert list(backup_dir.iterdir()) == []  # no half file left behind


def test_sqlite_backup_copies_a_live_database(tmp_path):
    """The SQLite path on its own: a consistent copy of a database another connection holds."""
    from mops.backups import _sqlite_backup

    live = sqlite3.connect(tmp_path / "live.sqlite3")
    live.execute("create table t (n integer)")
    live.executemany("insert into t values (?)", [(i,) for i in range(1000)])
    live.commit()
    target = tmp_path / "copy.sqlite3.gz"
    _sqlite_backup(live, target)
    plain = tmp_path / "plain.sqlite3"
    plain.write_bytes(gzip.decompress(target.read_bytes()))
    assert sqlite3.connect(plain).execute("select count(*), sum(n) from t").fetchone() == (
        1000,
        sum(range(1000)),
    )
