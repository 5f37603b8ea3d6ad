"""The back half of the one loader: validate resolved points and upsert them in bulk.

Used by the upload form, ``import_metrics`` and ``POST /api/v1/metrics/`` alike. Validation works
on a pandas frame a column at a time (each distinct campaign and metric is looked up once; no
Python object per point on the file path), and ``bulk.write_facts`` writes only what changed:
new keys insert-only (COPY on PostgreSQL, ``executemany`` on SQLite), differing values through a
staging table and one UPDATE. Counts are of facts: created, updated, unchanged (and rejected when
refused).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import numpy as np
import pandas as pd
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ..loader.cells import row_codes
from ..models import BatchStatus, Campaign, ImportBatch, Metric
from ..signals import facts_changed
from .bulk import write_facts
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
    """Match a file's or a push's campaign value to a campaign: by code, else by name.

    With ``create_for_team``, unknown names resolve to a negative stand-in id (-1, -2 … in
    the order first seen) and ``with_created`` creates those campaigns, kept in ``currency``.
    """

    def __init__(
        self, *, by_name: bool, create_for_team: Any = None, currency: str | None = None
    ) -> None:
        self.by_code = dict(Campaign.objects.values_list("code", "id"))
        self.by_name: dict[str, list[int]] = defaultdict(list)
        if by_name:
            for pk, name in Campaign.objects.values_list("id", "name"):
                self.by_name[normalize_name(name)].append(pk)
        self.create_for_team = create_for_team
        self.currency = currency
        self.to_create: dict[str, str] = {}  # normalized name -> name
        self.created: dict[str, int] = {}  # normalized name -> id

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
            return -1 - list(self.to_create).index(key), None
        return None, _(
            "Unknown campaign “%(name)s”: create it first, or choose to create unknown campaigns."
        ) % {"name": value}

    def with_created(self, stage: pd.DataFrame) -> pd.DataFrame:
        """``stage`` with its stand-in ids replaced by campaigns created now (once each)."""
        from .campaigns import create_campaign

        ids = stage["campaign_id"].to_numpy()
        new = ids < 0
        if not new.any():
            return stage
        extra = {"currency": self.currency} if self.currency else {}
        # a snapshot: a streamed load resolves the next block in another thread meanwhile, and
        # only appends (the stand-ins in ``stage`` are all in it)
        wanted = list(self.to_create.items())
        for key, name in wanted:
            if key not in self.created:
                self.created[key] = create_campaign(
                    team=self.create_for_team, name=name, code=code_from_name(name), **extra
                ).pk
        real = np.array([self.created[key] for key, _name in wanted], dtype="int64")
        ids = ids.copy()
        ids[new] = real[-1 - ids[new]]
        return stage.assign(campaign_id=ids)


@dataclass
class Touched:
    """The campaigns and days a load wrote, for the KPI recompute."""

    campaign_ids: set[int] = field(default_factory=set)
    date_from: date | None = None
    date_to: date | None = None

    def add(self, stage: pd.DataFrame) -> None:
        if stage.empty:
            return
        self.campaign_ids.update(int(c) for c in stage["campaign_id"].unique())
        first, last = stage["date"].min().date(), stage["date"].max().date()
        self.date_from = min(first, self.date_from or first)
        self.date_to = max(last, self.date_to or last)


def points_frame(points: Sequence[Point]) -> pd.DataFrame:
    """The frame ``load_frame`` takes, from a list of points (API pushes)."""
    return pd.DataFrame(
        {
            "campaign": pd.Series([p.campaign for p in points], dtype=object),
            "date": pd.Series([p.date for p in points], dtype=object),
            "metric": pd.Series([p.metric for p in points], dtype=object),
            "value": pd.Series([p.value for p in points], dtype="float64"),
            "source": pd.Series([p.source for p in points], dtype=object),
            "index": pd.Series([p.index for p in points], dtype="int64"),
        }
    )


def metrics_by_key() -> dict[str, Metric]:
    return {m.key: m for m in Metric.objects.all()}


def validate_frame(
    frame: pd.DataFrame,
    resolver: CampaignResolver,
    field_prefix: Callable[[int], str],
    metrics: dict[str, Metric] | None = None,
) -> tuple[pd.DataFrame, list[PointError]]:
    """Check every point, a column at a time; return the rows to write and the errors.

    The rows to write have the columns ``write_facts`` takes, and ``index`` (the point's).

    Each distinct campaign and metric is looked up once; errors come out in point order, a
    point's campaign error before its metric or value error, duplicates last. Given ``metrics``
    (``metrics_by_key()``), it reads no database: the resolver's look-ups are in memory.
    """
    metrics = metrics if metrics is not None else metrics_by_key()
    n = len(frame)
    index = frame["index"].to_numpy(dtype="int64")
    found: list[tuple[int, int, PointError]] = []  # (position, order, error)

    def err(where: np.ndarray, order: int, name: str, code: str, message: Callable[[int], str]):
        for pos in np.flatnonzero(where):
            i = int(index[pos])
            error = PointError(i, f"{field_prefix(i)}{name}", message(int(pos)), code)
            found.append((int(pos), order, error))

    # campaigns: by code, else by name (new names get a negative stand-in id)
    # factorized as they come (a file's are Python strings; converting 250,000 of them to
    # text first costs more than the look-ups), each distinct value read as text
    c_codes, c_uniques = pd.factorize(frame["campaign"], use_na_sentinel=False)
    c_ids = np.zeros(len(c_uniques) + 1, dtype="int64")
    c_problems: list[str | None] = []
    for u, value in enumerate(c_uniques):
        campaign_id, problem = resolver.resolve(str(value))
        c_ids[u] = campaign_id or 0
        c_problems.append(problem)
    c_bad = np.array([p is not None for p in c_problems] + [True], dtype=bool)[c_codes]
    err(c_bad, 0, "campaign", "unknown_campaign", lambda pos: str(c_problems[c_codes[pos]]))

    # metrics: known keys, then each metric's valid range
    m_codes, m_values = pd.factorize(frame["metric"], use_na_sentinel=False)
    m_uniques = [str(value) for value in m_values]
    known = [metrics.get(k) for k in m_uniques] + [None]
    m_ids = np.array([m.pk if m else 0 for m in known], dtype="int64")
    low = np.array([m.min_value if m and m.min_value is not None else -np.inf for m in known])
    high = np.array([m.max_value if m and m.max_value is not None else np.inf for m in known])
    m_bad = np.array([m is None for m in known], dtype=bool)[m_codes]
    keys = ", ".join(sorted(metrics))
    err(
        m_bad,
        1,
        "metric",
        "unknown_metric",
        lambda pos: (
            _("Unknown metric “%(key)s”; known metrics: %(keys)s")
            % {"key": m_uniques[m_codes[pos]], "keys": keys}
        ),
    )
    values = frame["value"].to_numpy(dtype="float64")
    out_of_range = ~m_bad & ((values < low[m_codes]) | (values > high[m_codes]))

    def range_message(pos: int) -> str:
        metric = known[m_codes[pos]]
        assert metric is not None
        return _("%(value)s is outside the valid range of %(key)s (%(min)s to %(max)s).") % {
            "value": float(values[pos]),
            "key": metric.key,
            "min": metric.min_value,
            "max": metric.max_value if metric.max_value is not None else "∞",
        }

    err(out_of_range, 1, "value", "out_of_range", range_message)

    stage = pd.DataFrame(
        {
            "campaign_id": c_ids[c_codes],
            "date": _days(frame["date"]),
            "metric_id": m_ids[m_codes],
            "source": frame["source"].astype("str").array,
            "value": values,
            "index": index,
        }
    )
    ok = ~(c_bad | m_bad | out_of_range)
    cols = ["campaign_id", "date", "metric_id", "source"]
    dup = np.zeros(n, dtype=bool)
    if ok.any():
        dup[ok] = row_codes(stage.loc[ok, cols]).duplicated(keep="first")
    if dup.any():
        keyed = stage[ok].assign(first=index[ok])
        first = keyed.groupby(cols, sort=False)["first"].transform("first").to_numpy()
        first_of = np.zeros(n, dtype="int64")
        first_of[ok] = first
        err(
            dup,
            2,
            "campaign",
            "duplicate",
            lambda pos: (
                _("Duplicate of item %(other)s: the same campaign, date, metric and source twice.")
                % {"other": int(first_of[pos])}
            ),
        )
    found.sort(key=lambda f: (f[0], f[1]))
    return stage[ok & ~dup], [e for _p, _o, e in found]


def _days(dates: pd.Series) -> np.ndarray:
    """Dates (datetime.date objects or datetime64) as datetime64[ns], parsing each day once."""
    if pd.api.types.is_datetime64_any_dtype(dates):
        return dates.to_numpy(dtype="datetime64[ns]")
    codes, uniques = pd.factorize(dates)
    days = pd.to_datetime(pd.Index(uniques, dtype=object)).to_numpy(dtype="datetime64[ns]")
    return np.append(days, np.datetime64("NaT"))[codes]


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
    return load_frame(
        points_frame(points),
        batch=batch,
        match_names=match_names,
        create_campaigns_for_team=create_campaigns_for_team,
        field_prefix=field_prefix,
    )


def load_frame(
    frame: pd.DataFrame,
    *,
    batch: ImportBatch,
    match_names: bool = False,
    create_campaigns_for_team: Any = None,
    campaign_currency: str | None = None,
    field_prefix: Callable[[int], str] = lambda index: "",
) -> LoadResult:
    """``load_points`` for a frame with the columns campaign, date, metric, value, source and
    index (the file's row number or the API position): the bulk path, no object per point."""
    resolver = CampaignResolver(
        by_name=match_names, create_for_team=create_campaigns_for_team, currency=campaign_currency
    )
    stage, errors = validate_frame(frame, resolver, field_prefix)
    batch.received = len(frame)
    if errors:
        return refuse(batch, errors)
    with transaction.atomic():
        stage = resolver.with_created(stage)
        created, updated = write_facts(stage, batch_id=batch.pk)
        touched = Touched()
        touched.add(stage)
        succeed(batch, staged=len(stage), created=created, updated=updated, touched=touched)
    return LoadResult(batch=batch)


def succeed(batch: ImportBatch, *, staged: int, created: int, updated: int, touched: Touched):
    """Record a written load on its batch and, once committed, announce what it touched."""
    batch.created, batch.updated = created, updated
    batch.unchanged = staged - created - updated
    batch.rejected = 0
    batch.status = BatchStatus.SUCCEEDED
    batch.finished_at = timezone.now()
    batch.save()
    if created or updated:
        campaign_ids = frozenset(touched.campaign_ids)
        transaction.on_commit(
            lambda: facts_changed.send(
                sender=ImportBatch,
                batch=batch,
                campaign_ids=campaign_ids,
                date_from=touched.date_from,
                date_to=touched.date_to,
            )
        )


def refuse(batch: ImportBatch, errors: Sequence[PointError], error_count: int | None = None):
    batch.status = BatchStatus.REFUSED
    batch.rejected = batch.received
    batch.created = batch.updated = batch.unchanged = 0
    batch.error_count = error_count if error_count is not None else len(errors)
    batch.errors = [e.as_json() for e in errors[:MAX_REPORTED_ERRORS]]
    batch.finished_at = timezone.now()
    batch.save()
    return LoadResult(batch=batch, errors=list(errors))


def upsert_facts(rows: Iterable[tuple[Any, ...]], *, batch_id: int | None) -> tuple[int, int]:
    """Write (campaign_id, date, metric_id, source, value) rows; returns (created, updated).

    Unchanged values are not written at all, so a repeated load touches no row.
    """
    columns = ["campaign_id", "date", "metric_id", "source", "value"]
    stage = pd.DataFrame(list(rows), columns=columns)
    stage["date"] = _days(stage["date"])
    return write_facts(stage, batch_id=batch_id)
