"""Recompute KPI values from the facts by hand (the nightly reconcile does the same)."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from ...services.recompute import recompute_kpis


class Command(BaseCommand):
    help = "Recompute every active KPI's values, for all periods or those from --since on."

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--since", help="Only periods containing this date (YYYY-MM-DD) or later."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        since = None
        if options["since"]:
            try:
                since = date.fromisoformat(options["since"])
            except ValueError as error:
                raise CommandError(f"--since must be a date as YYYY-MM-DD: {error}") from error
        results = recompute_kpis(date_from=since)
        for result in results:
            self.stdout.write(str(result))
        written = sum(r.written for r in results)
        deleted = sum(r.deleted for r in results)
        self.stdout.write(
            f"recomputed {len(results)} KPIs: {written} values written, {deleted} deleted"
        )
