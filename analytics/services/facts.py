"""The back half of the one loader: validate resolved points and upsert them in bulk.

Used by the upload form, ``import_metrics`` and ``POST /api/v1/metrics/`` alike. Points go into a
temporary staging table (COPY on PostgreSQL, ``executemany`` on SQLite), then two set-based
statements write only what changed: an UPDATE of existing keys whose value differs, and an INSERT
of new keys. Counts are of facts: created, updated, unchanged (and rejected when refused).
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ..models import BatchStatus, Campaign, ImportBatch, Metric, MetricFact
from .campaigns import code_from_name, normalize_name

MAX_REPORTED_ERRORS = 1000


@dataclass
class PointError:
    index: int  # position in the batch (API) or row number in the file
    field: str
    message: str
    code: str = "invalid"

    def as_json(self) -> dict[str, Any]:
        return {
            "index": self.index,
            "field": self.field,
            "code": self.code,
            "message": str(self.message),
        }


@dataclass
class Point:
    campaign: str  # a campaign code, or for files, a code or name
    date: date
    metric: str
    value: float
    source: str
    index: int  # API position or file row number


@dataclass
class LoadResult:
    batch: ImportBatch
    errors: list[PointError] = field(default_factory=list)

    @property
    def refused(self) -> bool:
        return self.batch.status == BatchStatus.REFUSED


class CampaignResolver:
    """Match a file's or a push's campaign value to a campaign: by code, else by name."""

    def __init__(self, *, by_name: bool, create_for_team: Any = None) -> None:
        self.by_code = dict(Campaign.objects.values_list("code", "id"))
        self.by_name: dict[str, list[int]] = defaultdict(list)
        if by_name:
            for pk, name in Campaign.objects.values_list("id", "name"):
                self.by_name[normalize_name(name)].append(pk)
        self.create_for_team = create_for_team
        self.to_create: dict[str, str] = {}  # normalized name -> name

    def resolve(self, value: str) -> tuple[int | None, str | None]:
        if value in self.by_code:
            return self.by_code[value], None
        key = normalize_name(value)
        ids = self.by_name.get(key, [])
        if len(ids) == 1:
            return ids[0], None
        if len(ids) > 1:
            return None, _(
                "Two or more campaigns are named “%(name)s”: use campaign codes in the file."
            ) % {"name": value}
        if self.create_for_team is not None and key:
            self.to_create.setdefault(key, value.strip())
            return -1, None
        return None, _(
            "Unknown campaign “%(name)s”: create it first, or choose to create unknown campaigns."
        ) % {"name": value}

    def create_pending(self) -> dict[str, int]:
        from .campaigns import create_campaign

        created = {}
        for key, name in self.to_create.items():
            campaign = create_campaign(
                team=self.create_for_team, name=name, code=code_from_name(name)
            )
            created[key] = campaign.pk
        return created


def _validate(
    points: Sequence[Point], resolver: CampaignResolver, field_prefix: Callable[[int], str]
) -> tuple[list[tuple[Any, ...]], list[PointError]]:
    metrics = {m.key: m for m in Metric.objects.all()}
    errors: list[PointError] = []
    rows: list[tuple[Any, ...]] = []
    seen: dict[tuple[Any, ...], int] = {}

    def err(point: Point, name: str, message: str, code: str = "invalid") -> None:
        errors.append(PointError(point.index, f"{field_prefix(point.index)}{name}", message, code))

    for point in points:
        metric = metrics.get(point.metric)
        campaign_id, problem = resolver.resolve(point.campaign)
        ok = True
        if problem:
            err(point, "campaign", problem, "unknown_campaign")
            ok = False
        if metric is None:
            err(
                point,
                "metric",
                _("Unknown metric “%(key)s”; known metrics: %(keys)s")
                % {"key": point.metric, "keys": ", ".join(sorted(metrics))},
                "unknown_metric",
            )
            ok = False
        elif (metric.min_value is not None and point.value < metric.min_value) or (
            metric.max_value is not None and point.value > metric.max_value
        ):
            err(
                point,
                "value",
                _("%(value)s is outside the valid range of %(key)s (%(min)s to %(max)s).")
                % {
                    "value": point.value,
                    "key": metric.key,
                    "min": metric.min_value,
                    "max": metric.max_value if metric.max_value is not None else "∞",
                },
                "out_of_range",
            )
            ok = False
        if not ok or metric is None:
            continue
        key = (
            campaign_id if campaign_id != -1 else normalize_name(point.campaign),
            point.date,
            metric.pk,
            point.source,
        )
        if key in seen:
            err(
                point,
                "campaign",
                _("Duplicate of item %(other)s: the same campaign, date, metric and source twice.")
                % {"other": seen[key]},
                "duplicate",
            )
            continue
        seen[key] = point.index
        rows.append((*key, float(point.value)))
    return rows, errors


def load_points(
    points: Sequence[Point],
    *,
    batch: ImportBatch,
    match_names: bool = False,
    create_campaigns_for_team: Any = None,
    field_prefix: Callable[[int], str] = lambda index: "",
) -> LoadResult:
    """Validate every point; if any fails, write nothing and mark the batch refused.

    Otherwise upsert all points in one transaction and record the counts on the batch.
    """
    resolver = CampaignResolver(by_name=match_names, create_for_team=create_campaigns_for_team)
    rows, errors = _validate(points, resolver, field_prefix)
    batch.received = len(points)
    if errors:
        return refuse(batch, errors)
    with transaction.atomic():
        if resolver.to_create:
            created_ids = resolver.create_pending()
            rows = [(created_ids[c] if isinstance(c, str) else c, *rest) for c, *rest in rows]
        counts = upsert_facts(rows, batch_id=batch.pk)
        batch.created, batch.updated = counts
        batch.unchanged = len(rows) - batch.created - batch.updated
        batch.rejected = 0
        batch.status = BatchStatus.SUCCEEDED
        batch.finished_at = timezone.now()
        batch.save()
    return LoadResult(batch=batch)


def refuse(batch: ImportBatch, errors: Sequence[PointError], error_count: int | None = None):
    batch.status = BatchStatus.REFUSED
    batch.rejected = batch.received
    batch.created = batch.updated = batch.unchanged = 0
    batch.error_count = error_count if error_count is not None else len(errors)
    batch.errors = [e.as_json() for e in errors[:MAX_REPORTED_ERRORS]]
    batch.finished_at = timezone.now()
    batch.save()
    return LoadResult(batch=batch, errors=list(errors))


STAGE_COLUMNS = "campaign_id, date, metric_id, source, value"


def upsert_facts(rows: Iterable[tuple[Any, ...]], *, batch_id: int | None) -> tuple[int, int]:
    """Write (campaign_id, date, metric_id, source, value) rows; returns (created, updated).

    Unchanged values are not written at all, so a repeated load touches no row.
    """
    table = MetricFact._meta.db_table
    postgres = connection.vendor == "postgresql"
    distinct = "IS DISTINCT FROM" if postgres else "IS NOT"
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS mops_fact_stage")
        cursor.execute(
            "CREATE TEMPORARY TABLE mops_fact_stage (campaign_id bigint NOT NULL, date date NOT "
            "NULL, metric_id bigint NOT NULL, source varchar(32) NOT NULL, value double precision "
            "NOT NULL)"
        )
        if postgres:
            buffer = io.StringIO()
            writer = csv.writer(buffer)
            writer.writerows(rows)
            buffer.seek(0)
            cursor.cursor.copy_expert(  # type: ignore[attr-defined]
                f"COPY mops_fact_stage ({STAGE_COLUMNS}) FROM STDIN WITH (FORMAT csv)", buffer
            )
        else:
            cursor.executemany(
                f"INSERT INTO mops_fact_stage ({STAGE_COLUMNS}) VALUES (%s, %s, %s, %s, %s)",
                [(c, d.isoformat(), m, s, v) for c, d, m, s, v in rows],
            )
        cursor.execute(
            f"UPDATE {table} AS f SET value = s.value, batch_id = %s FROM mops_fact_stage AS s "
            "WHERE f.campaign_id = s.campaign_id AND f.date = s.date AND f.metric_id = s.metric_id "
            f"AND f.source = s.source AND f.value {distinct} s.value",
            [batch_id],
        )
        updated = cursor.rowcount
        cursor.execute(
            f"INSERT INTO {table} ({STAGE_COLUMNS}, batch_id) SELECT {STAGE_COLUMNS}, %s FROM "
            "mops_fact_stage WHERE true ON CONFLICT (campaign_id, date, metric_id, source) "
            "DO NOTHING",
            [batch_id],
        )
        created = cursor.rowcount
        cursor.execute("DROP TABLE mops_fact_stage")
    return created, updated
