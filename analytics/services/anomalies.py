"""Anomaly detection on daily metric series: robust and weekday-aware.

The rule, for every campaign and metric, on the daily series summed over data sources:

* The expectation for day *d* is the **median of the same weekday over the previous 8 weeks**
  (d-7, d-14, …, d-56: days without facts are skipped). At least **4** such points are needed;
  with fewer, the day is not judged (too little history).
* The spread is the **MAD** of those points (median absolute deviation), scaled by 1.4826 so it
  estimates a standard deviation, with a floor of ``max(15% of the median, √median, 1)``: eight
  points can have a tiny MAD by chance, a perfectly flat history would make every wobble an
  anomaly, and small counts (conversions, leads) wobble at least like a Poisson count (√median).
* ``score = (value - median) / max(1.4826 * MAD, 0.15 * |median|, √|median|, 1)``; the day is an
  anomaly when **|score| >= 4**: a *spike* when the score is positive, a *drop* when negative.
* **Collapse**: a value of exactly 0 where the weekday median is at least 10 is always an anomaly
  (a drop), whatever the score: that is what a broken tag looks like.

Detection is idempotent: rows are upserted only when their numbers change, and rows in the
re-examined range that no longer qualify are removed.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
import pandas as pd
from django.db import transaction
from django.db.models import Max, Min, Sum

from ..models import Anomaly, AnomalyDirection, MetricFact

WEEKS = 8
MIN_HISTORY = 4
THRESHOLD = 4.0
MAD_SCALE = 1.4826
RELATIVE_FLOOR = 0.15
ABSOLUTE_FLOOR = 1.0
COLLAPSE_MEDIAN = 10.0


@dataclass
class DetectionResult:
    examined: int
    created: int
    updated: int
    deleted: int


def score_days(values: pd.Series) -> pd.DataFrame:
    """Apply the rule to one daily series (index: dates). Returns a frame per day with
    ``value, expected, score, history, anomaly`` for the days that have a value."""
    if values.empty:
        return pd.DataFrame(columns=["value", "expected", "score", "history", "anomaly"])
    series = values.copy()
    series.index = pd.to_datetime(series.index)
    full = series.sort_index().asfreq("D")
    lags = np.column_stack([full.shift(7 * k).to_numpy(dtype=float) for k in range(1, WEEKS + 1)])
    history = np.sum(~np.isnan(lags), axis=1)
    enough = history >= MIN_HISTORY
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN rows: too little history
        median = np.nanmedian(lags, axis=1)
        mad = np.nanmedian(np.abs(lags - median[:, None]), axis=1)
    scale = np.maximum.reduce(
        [
            MAD_SCALE * mad,
            RELATIVE_FLOOR * np.abs(median),
            np.sqrt(np.abs(median)),
            np.full(len(full), ABSOLUTE_FLOOR),
        ]
    )
    current = full.to_numpy(dtype=float)
    score = (current - median) / scale
    collapse = (current == 0) & (median >= COLLAPSE_MEDIAN)
    anomaly = enough & ~np.isnan(current) & ((np.abs(score) >= THRESHOLD) | collapse)
    frame = pd.DataFrame(
        {
            "value": current,
            "expected": median,
            "score": score,
            "history": history,
            "anomaly": anomaly,
        },
        index=full.index,
    )
    return frame[~np.isnan(current)]


def _daily_frame(
    campaign_ids: Iterable[int] | None, date_from: date, date_to: date
) -> pd.DataFrame:
    facts = MetricFact.objects.filter(date__gte=date_from, date__lte=date_to)
    if campaign_ids is not None:
        facts = facts.filter(campaign_id__in=list(campaign_ids))
    rows = list(
        facts.values("campaign_id", "metric_id", "date").annotate(total=Sum("value")).order_by()
    )
    return pd.DataFrame(rows, columns=["campaign_id", "metric_id", "date", "total"])


def detect_anomalies(
    *,
    campaign_ids: Iterable[int] | None = None,
    date_from: date | None = None,
    date_to: date | None = None,
) -> DetectionResult:
    """Judge every day in [date_from, date_to] (default: all facts) of the campaigns' series
    (default: all campaigns) and bring the ``Anomaly`` rows of that range up to date."""
    ids = list(campaign_ids) if campaign_ids is not None else None
    if date_from is None or date_to is None:
        facts = MetricFact.objects.all()
        if ids is not None:
            facts = facts.filter(campaign_id__in=ids)
        bounds = facts.aggregate(lo=Min("date"), hi=Max("date"))
        date_from = date_from or bounds["lo"]
        date_to = date_to or bounds["hi"]
    if date_from is None or date_to is None:
        return DetectionResult(0, 0, 0, 0)
    frame = _daily_frame(ids, date_from - timedelta(weeks=WEEKS), date_to)
    found: dict[tuple[int, int, date], tuple[float, float, float, str]] = {}
    examined = 0
    if not frame.empty:
        frame["date"] = pd.to_datetime(frame["date"])
        for (campaign_id, metric_id), group in frame.groupby(["campaign_id", "metric_id"]):
            series = group.set_index("date")["total"].sort_index()
            scored = score_days(series)
            scored = scored[(scored.index.date >= date_from) & (scored.index.date <= date_to)]
            examined += len(scored)
            for day, row in scored[scored["anomaly"]].iterrows():
                score = float(row["score"])
                direction = AnomalyDirection.SPIKE if score > 0 else AnomalyDirection.DROP
                key = (int(campaign_id), int(metric_id), day.date())
                found[key] = (
                    float(row["value"]),
                    round(float(row["expected"]), 6),
                    round(score, 6),
                    direction,
                )
    return _write(found, ids, date_from, date_to, examined)


def _write(
    found: dict[tuple[int, int, date], tuple[float, float, float, str]],
    ids: list[int] | None,
    date_from: date,
    date_to: date,
    examined: int,
) -> DetectionResult:
    with transaction.atomic():
        existing_qs = Anomaly.objects.filter(date__gte=date_from, date__lte=date_to)
        if ids is not None:
            existing_qs = existing_qs.filter(campaign_id__in=ids)
        existing = {
            (a.campaign_id, a.metric_id, a.date): a
            for a in existing_qs.only(
                "id", "campaign_id", "metric_id", "date", "value", "expected", "score", "direction"
            )
        }
        stale = [a.pk for key, a in existing.items() if key not in found]
        Anomaly.objects.filter(pk__in=stale).delete()
        writes, created = [], 0
        for key, (value, expected, score, direction) in found.items():
            old = existing.get(key)
            if old and (old.value, old.expected, old.score, old.direction) == (
                value,
                expected,
                score,
                direction,
            ):
                continue
            created += old is None
            writes.append(
                Anomaly(
                    campaign_id=key[0],
                    metric_id=key[1],
                    date=key[2],
                    value=value,
                    expected=expected,
                    score=score,
                    direction=direction,
                )
            )
        Anomaly.objects.bulk_create(
            writes,
            update_conflicts=True,
            unique_fields=["campaign", "metric", "date"],
            update_fields=["value", "expected", "score", "direction", "detected_at"],
        )
    return DetectionResult(examined, created, len(writes) - created, len(stale))
