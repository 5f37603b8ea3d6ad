"""``python manage.py restore_backup FILE --yes``: replace the database with a backup.

Stop the web, worker and scheduler processes first: the restore replaces every table, and on
PostgreSQL it waits for other connections' locks.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from ...backups import BackupError, backup_dir, restore_backup


class Command(BaseCommand):
    help = (
        "Replace the database's contents with a backup made by `backup` (a file name in "
        "BACKUP_DIR or a path). Everything written since the backup is lost: --yes confirms."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("file")
        parser.add_argument("--yes", action="store_true", help="confirm the restore")

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["file"])
        if not path.exists() and (backup_dir() / path).exists():
            path = backup_dir() / path
        if not options["yes"]:
            raise CommandError(
                f"Restoring {path.name} replaces everything in the database. "
                "Run again with --yes to confirm."
            )
        try:
            restore_backup(path)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            f"restored {path.name}; run `manage.py migrate` if it was made by an older version"
        )
