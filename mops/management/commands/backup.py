"""``python manage.py backup [--keep N]``: back the database up now (see ``mops.backups``)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from ...backups import BackupError, back_up


class Command(BaseCommand):
    help = (
        "Back the database up into BACKUP_DIR (pg_dump custom format, or SQLite's online "
        "backup, gzipped), keep the newest BACKUP_KEEP (or --keep N) and print the new file's "
        "path as the last line."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--keep", type=int, default=None, help="how many backups to keep")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            backup, deleted = back_up(keep=options["keep"])
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        for path in deleted:
            self.stdout.write(f"deleted {path.name}")
        self.stdout.write(f"{backup.size:,} bytes")
        self.stdout.write(str(backup.path))
