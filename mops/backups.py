"""Database backups: made nightly and on demand, kept for ``BACKUP_KEEP`` days' worth, restorable.

A backup is one file in ``BACKUP_DIR``, named by the time it was made:
- PostgreSQL: ``mops-YYYYmmdd-HHMMSS.dump``, ``pg_dump --format=custom`` (a consistent snapshot
  taken while the portal runs; ``pg_restore`` reads it). ``pg_dump`` must be on the PATH and no
  older than the server (the Docker image installs Debian's ``postgresql-client``).
- SQLite: ``mops-YYYYmmdd-HHMMSS.sqlite3.gz``, SQLite's online backup API (a consistent copy
  while others write), gzip-compressed.

A backup is written under a temporary name and renamed when complete, so a crash never leaves a
half file that looks like a backup. Uploaded files (``MEDIA_ROOT``) are not in it: they are kept
only until their import is confirmed, and the facts they produced are in the database.
"""

from __future__ import annotations

import gzip
import os
import shutil
import sqlite3
import subprocess
import tempfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connections
from django.utils import timezone

PREFIX = "mops-"
SUFFIXES = (".dump", ".sqlite3.gz")
STAMP = "%Y%m%d-%H%M%S"


class BackupError(Exception):
    """The backup or the restore could not be made; the message says why."""


@dataclass(frozen=True)
class Backup:
    path: Path
    made_at: datetime
    size: int

    @property
    def name(self) -> str:
        return self.path.name


def backup_dir() -> Path:
    return Path(settings.BACKUP_DIR)


NIGHTLY_TASK = "mops.tasks.back_up_database"


def nightly_time() -> str | None:
    """When the nightly backup runs ("02:30"), as its periodic task says (admins may change it
    in the admin); None when it is disabled or has no daily time."""
    from django_celery_beat.models import PeriodicTask

    task = (
        PeriodicTask.objects.filter(task=NIGHTLY_TASK, enabled=True, crontab__isnull=False)
        .select_related("crontab")
        .first()
    )
    if task is None or not (task.crontab.hour.isdigit() and task.crontab.minute.isdigit()):
        return None
    return f"{int(task.crontab.hour):02d}:{int(task.crontab.minute):02d}"


def list_backups(directory: Path | None = None) -> list[Backup]:
    """The backups in the directory, newest first (other files are ignored)."""
    directory = directory or backup_dir()
    found = []
    for path in directory.glob(f"{PREFIX}*"):
        suffix = next((s for s in SUFFIXES if path.name.endswith(s)), None)
        if suffix is None:
            continue
        stamp = path.name[len(PREFIX) : -len(suffix)]
        try:
            made = datetime.strptime(stamp, STAMP).replace(tzinfo=timezone.get_current_timezone())
        except ValueError:
            continue
        found.append(Backup(path, made, path.stat().st_size))
    return sorted(found, key=lambda b: b.made_at, reverse=True)


def _pg_env(params: dict[str, Any]) -> dict[str, str]:
    """libpq's environment for the connection (the password never appears in a command line)."""
    env = dict(os.environ)
    for key, name in (
        ("PGHOST", "HOST"),
        ("PGPORT", "PORT"),
        ("PGUSER", "USER"),
        ("PGPASSWORD", "PASSWORD"),
        ("PGDATABASE", "NAME"),
    ):
        value = params.get(name)
        if value:
            env[key] = str(value)
    return env


def _run(command: list[str], env: dict[str, str]) -> None:
    try:
        subprocess.run(command, env=env, check=True, capture_output=True, text=True)  # noqa: S603
    except FileNotFoundError as exc:
        raise BackupError(
            f"{command[0]} is not installed: install PostgreSQL's client programs"
        ) from exc
    except subprocess.CalledProcessError as exc:
        raise BackupError(f"{command[0]} failed: {exc.stderr.strip()}") from exc


def _sqlite_backup(source: sqlite3.Connection, target: Path) -> None:
    with tempfile.NamedTemporaryFile(suffix=".sqlite3") as plain:
        copy = sqlite3.connect(plain.name)
        try:
            source.backup(copy)
        finally:
            copy.close()
        with open(plain.name, "rb") as raw, gzip.open(target, "wb") as packed:
            shutil.copyfileobj(raw, packed)


def create_backup(*, using: str = "default", directory: Path | None = None) -> Backup:
    """Back the database up into a new file in ``directory`` (``BACKUP_DIR``)."""
    directory = directory or backup_dir()
    directory.mkdir(parents=True, exist_ok=True)
    connection = connections[using]
    stamp = timezone.localtime().strftime(STAMP)
    if connection.vendor == "postgresql":
        final = directory / f"{PREFIX}{stamp}.dump"
    elif connection.vendor == "sqlite":
        if connection.in_atomic_block:  # SQLite would wait on its own open write forever
            raise BackupError("a SQLite backup cannot run inside a transaction")
        final = directory / f"{PREFIX}{stamp}.sqlite3.gz"
    else:  # pragma: no cover - settings accept only these two
        raise BackupError(f"no backup for a {connection.vendor} database")
    partial = final.with_name(final.name + ".partial")
    try:
        if connection.vendor == "postgresql":
            _run(
                ["pg_dump", "--format=custom", "--no-owner", f"--file={partial}"],
                _pg_env(connection.settings_dict),
            )
        else:
            connection.ensure_connection()
            _sqlite_backup(connection.connection, partial)
        partial.replace(final)
    finally:
        partial.unlink(missing_ok=True)  # what a failed backup left
    return Backup(final, timezone.now(), final.stat().st_size)


def prune_backups(*, keep: int | None = None, directory: Path | None = None) -> list[Path]:
    """Delete all but the newest ``keep`` backups (``BACKUP_KEEP``); returns what was deleted."""
    keep = settings.BACKUP_KEEP if keep is None else keep
    stale = list_backups(directory)[max(keep, 1) :]
    for backup in stale:
        backup.path.unlink(missing_ok=True)
    return [b.path for b in stale]


def back_up(*, keep: int | None = None) -> tuple[Backup, list[Path]]:
    """What the nightly task, ``manage.py backup`` and the Backups page do: a new backup, then
    only the newest ``keep`` (``BACKUP_KEEP``) kept. Returns the backup and what was deleted."""
    backup = create_backup()
    return backup, prune_backups(keep=keep)


def restore_backup(path: Path, *, using: str = "default") -> None:
    """Replace the database's contents with the backup's. Everything written since is lost."""
    if not path.is_file():
        raise BackupError(f"no such backup: {path}")
    connection = connections[using]
    if connection.vendor == "postgresql":
        if not path.name.endswith(".dump"):
            raise BackupError("a PostgreSQL database restores from a .dump backup")
        connection.close()
        _run(
            [
                "pg_restore",
                "--clean",
                "--if-exists",
                "--no-owner",
                "--single-transaction",
                f"--dbname={connection.settings_dict['NAME']}",
                str(path),
            ],
            _pg_env(connection.settings_dict),
        )
    elif connection.vendor == "sqlite":
        if not path.name.endswith(".sqlite3.gz"):
            raise BackupError("a SQLite database restores from a .sqlite3.gz backup")
        if connection.in_atomic_block:
            raise BackupError("a SQLite restore cannot run inside a transaction")
        with tempfile.NamedTemporaryFile(suffix=".sqlite3") as plain:
            with gzip.open(path, "rb") as packed, open(plain.name, "wb") as raw:
                shutil.copyfileobj(packed, raw)
            source = sqlite3.connect(plain.name)
            try:
                connection.ensure_connection()
                source.backup(connection.connection)  # page by page, into the live file
            finally:
                source.close()
    else:  # pragma: no cover
        raise BackupError(f"no restore for a {connection.vendor} database")
