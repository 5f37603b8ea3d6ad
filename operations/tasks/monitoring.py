"""Operations tasks: monitoring. Thin: they call the services and return counts for the log."""

from __future__ import annotations

import datetime

from celery import shared_task
from django.db.models import Subquery
from django.utils import timezone

__all__ = ["evaluate_checks", "prune_check_results"]

KEEP_RESULTS = 500  # per check
KEEP_DAYS = 30


@shared_task(name="operations.tasks.evaluate_checks")
def evaluate_checks() -> dict[str, int]:
    """Every minute (beat): evaluate due checks, act on flips, move maintenance windows along.
    Idempotent: a check is claimed before it is evaluated, so a second run finds nothing due."""
    from ..services.evaluation import evaluate_due_checks
    from ..services.maintenance import update_window_statuses

    now = timezone.now()
    counts = {"maintenance_changed": update_window_statuses(now=now)}
    counts.update(evaluate_due_checks(now))
    return counts


@shared_task(name="operations.tasks.prune_check_results")
def prune_check_results(keep: int = KEEP_RESULTS, days: int = KEEP_DAYS) -> dict[str, int]:
    """Nightly: keep the last ``keep`` results and pings per check, none older than ``days``.

    Flips are never pruned: they are the uptime history.
    """
    from ..models import Check, CheckResult, Ping

    cutoff = timezone.now() - datetime.timedelta(days=days)
    deleted_results, _ = CheckResult.objects.filter(at__lt=cutoff).delete()
    deleted_pings, _ = Ping.objects.filter(at__lt=cutoff).delete()
    for check_id in Check.objects.values_list("pk", flat=True):
        for model, counter in ((CheckResult, "results"), (Ping, "pings")):
            newest = model.objects.filter(monitor_id=check_id).order_by("-at", "-pk")
            boundary = newest.values("pk")[keep : keep + 1]
            if not boundary:
                continue
            kept = Subquery(newest.values("pk")[:keep])
            n, _ = model.objects.filter(monitor_id=check_id).exclude(pk__in=kept).delete()
            if counter == "results":
                deleted_results += n
            else:
                deleted_pings += n
    return {"results": deleted_results, "pings": deleted_pings}
