"""Load a CSV/Excel export through the same loader as the upload form.

The last line printed is the batch counts as JSON (the API's keys); the exit status is non-zero
when the file is refused.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from mops.models import Team

from ...models import BatchKind
from ...services.files import load_file


class Command(BaseCommand):
    help = "Load metric facts from a CSV or .xlsx file (long or wide layout)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("file")
        parser.add_argument("--source", help="Data source name (default: detected platform).")
        parser.add_argument(
            "--create-campaigns",
            action="store_true",
            help="Create campaigns the file names but the portal does not know.",
        )
        parser.add_argument(
            "--campaign", help="Assign every row to this campaign code (files with no campaign)."
        )
        parser.add_argument(
            "--team", help="Team slug for created campaigns (default: the first team)."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"No such file: {path}")
        team = None
        if options["create_campaigns"]:
            teams = Team.objects.order_by("pk")
            team = teams.filter(slug=options["team"]).first() if options["team"] else teams.first()
            if team is None:
                raise CommandError("--create-campaigns needs a team: create one or pass --team.")
        with path.open("rb") as handle:  # streamed: a large file is never held whole
            result = load_file(
                handle,
                path.name,
                kind=BatchKind.COMMAND,
                source=options["source"],
                create_campaigns_for_team=team,
                campaign_code=options["campaign"],
            )
        batch = result.batch
        for error in batch.errors:
            where = f"row {error['index']}" if error["index"] else "file"
            column = f", column {error['field']}" if error["field"] else ""
            self.stderr.write(f"{where}{column}: {error['message']}")
        if batch.error_count > len(batch.errors):
            self.stderr.write(f"… and {batch.error_count - len(batch.errors)} more errors")
        self.stdout.write(json.dumps(batch.counts()))
        if result.refused:
            raise SystemExit(1)
