"""Celery tasks of analytics: thin, idempotent, keyed by primary keys and ISO dates."""

from __future__ import annotations

import logging
from datetime import date, timedelta
from typing import Any

from celery import shared_task
from django.utils import timezone

from .services.anomalies import WEEKS, detect_anomalies
from .services.recompute import recompute_kpis

RECONCILE_ANOMALY_DAYS = 90
logger = logging.getLogger(__name__)


@shared_task
def recompute_touched(campaign_ids: list[int], date_from: str, date_to: str) -> dict[str, Any]:
    """After a load: recompute the KPI periods and re-judge the anomaly days it touched.

    A changed day is also history for the same weekday in the next 8 weeks, so anomalies are
    re-judged up to 8 weeks after ``date_to``.
    """
    start, end = date.fromisoformat(date_from), date.fromisoformat(date_to)
    results = recompute_kpis(campaign_ids=campaign_ids, date_from=start, date_to=end)
    detection = detect_anomalies(
        campaign_ids=campaign_ids, date_from=start, date_to=end + timedelta(weeks=WEEKS)
    )
    return {
        "kpis": [str(result) for result in results],
        "anomalies": vars(detection),
    }


@shared_task
def recompute_kpi_ids(kpi_ids: list[int]) -> list[str]:
    """Recompute these KPIs over all periods (a campaign moved into or out of their scope)."""
    from .models import Kpi

    return [str(result) for result in recompute_kpis(kpis=Kpi.objects.filter(pk__in=kpi_ids))]


@shared_task
def reconcile_kpis() -> dict[str, Any]:
    """Nightly: recompute every active KPI over all periods and re-judge the last 90 days."""
    results = recompute_kpis()
    today = timezone.localdate()
    detection = detect_anomalies(
        date_from=today - timedelta(days=RECONCILE_ANOMALY_DAYS), date_to=today
    )
    return {"kpis": [str(result) for result in results], "anomalies": vars(detection)}


def on_facts_changed(
    sender: Any, *, campaign_ids: Any, date_from: date, date_to: date, **kwargs: Any
) -> None:
    """Receiver of ``facts_changed`` (sent on commit): queue the recompute of what was touched.

    The load is already committed: a failure here (broker down, or an error in the eager
    recompute) must not turn it into an error for the user. The nightly reconcile repairs it.
    """
    try:
        recompute_touched.delay(sorted(campaign_ids), date_from.isoformat(), date_to.isoformat())
    except Exception:
        logger.exception("KPI recompute after a load failed; the nightly reconcile will redo it")


@shared_task(acks_late=True)
def load_upload(batch_id: int) -> dict[str, Any]:
    """Load a confirmed upload (large files) with live progress on the batch.

    Idempotent: a batch that already finished (loaded or refused) is left as it is.
    """
    from .services.uploads import run_upload

    batch = run_upload(batch_id=batch_id)
    return {"batch": batch_id, "status": batch.status if batch else "missing"}


@shared_task
def prune_abandoned_uploads() -> int:
    """Nightly: delete uploads previewed and never confirmed (after 7 days), with their files."""
    from .services.uploads import prune_abandoned_uploads as prune

    return prune()
