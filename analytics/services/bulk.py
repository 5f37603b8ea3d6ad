"""Writing validated facts in bulk: new keys insert-only, only colliding keys upserted.

Measured on PostgreSQL 15 (see BENCHMARKS.md): the textbook ``INSERT … SELECT … ON CONFLICT DO
UPDATE`` from a staging table costs about 2.3× a raw COPY into the same indexed table, and most of
that is paid for keys that are new. So the facts already stored under the load's key range
(campaigns × first..last day × metrics × sources: one index range scan on the unique key) are
read first, and the load is split in memory, set-wise (pandas index look-ups, no per-row Python):

- keys not stored yet are COPYed (PostgreSQL) or ``executemany``-inserted (SQLite) straight into
  the fact table, in chunks so the COPY buffer stays small;
- keys stored with a different value go through a temporary staging table and one
  ``UPDATE … WHERE value IS DISTINCT FROM`` statement;
- keys stored with the same value are not touched at all, so a repeated load writes nothing.

A concurrent writer that inserts one of "our" new keys between the read and the COPY makes the
COPY fail on the unique key; the insert is then redone, inside a savepoint, through the staging
table with ``ON CONFLICT DO UPDATE … WHERE … IS DISTINCT FROM``, which is always correct.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from typing import Any

import numpy as np
import pandas as pd
from django.db import IntegrityError, connection, transaction

from ..integrity import lock_references
from ..loader.cells import row_codes
from ..models import MetricFact

COPY_CHUNK = 250_000
COPY_READ = 1 << 20  # what psycopg2 asks of the chunks at a time
STAGE_COLUMNS = "campaign_id, date, metric_id, source, value"
KEY = ("campaign_id", "date", "metric_id", "source")


def write_facts(stage: pd.DataFrame, *, batch_id: int | None) -> tuple[int, int]:
    """Write a validated frame; return (created, updated).

    ``stage`` has the columns campaign_id (int64), date (datetime64), metric_id (int64), source
    (str) and value (float64), with no key twice. Runs inside the caller's transaction (which
    holds the ``FOR KEY SHARE`` locks on the referenced rows until it ends; see
    ``analytics.integrity``).
    """
    if stage.empty:
        return 0, 0
    with transaction.atomic(savepoint=False):  # the locks last until the load commits
        return _write(stage.reset_index(drop=True), batch_id)


def _write(stage: pd.DataFrame, batch_id: int | None) -> tuple[int, int]:
    # The fact table has no foreign-key constraints: lock what the facts reference instead.
    lock_references(
        campaign_ids=stage["campaign_id"].unique(),
        metric_ids=stage["metric_id"].unique(),
        batch_id=batch_id,
    )
    existing = _existing(stage)
    if existing.empty:
        new = np.ones(len(stage), dtype=bool)
        changed = np.zeros(len(stage), dtype=bool)
    else:
        pos = _match(stage, existing)
        new = pos < 0
        old = existing["value"].to_numpy(dtype="float64")[np.where(new, 0, pos)]
        changed = ~new & (old != stage["value"].to_numpy(dtype="float64"))
    created, raced = _insert_new(stage[new], batch_id) if new.any() else (0, 0)
    updated = _update_changed(stage[changed], batch_id) if changed.any() else 0
    return created, updated + raced


# --------------------------------------------------------------------------- reading


def _existing(stage: pd.DataFrame) -> pd.DataFrame:
    """The stored facts under the load's key range (an index range scan on the unique key)."""
    table = MetricFact._meta.db_table
    campaigns = [int(c) for c in stage["campaign_id"].unique()]
    metrics = [int(m) for m in stage["metric_id"].unique()]
    sources = [str(s) for s in stage["source"].unique()]
    days = stage["date"]
    first, last = days.min().date(), days.max().date()
    where = "campaign_id = ANY(%s) AND date BETWEEN %s AND %s AND metric_id = ANY(%s)"
    params: list[Any] = [campaigns, first, last, metrics]
    if connection.vendor == "postgresql":
        where += " AND source = ANY(%s)"
        params.append(sources)
        return _existing_binary(table, where, params, sources)
    # SQLite: IN lists instead of arrays
    where = (
        f"campaign_id IN ({', '.join('%s' for _ in campaigns)}) AND date BETWEEN %s AND %s "
        f"AND metric_id IN ({', '.join('%s' for _ in metrics)}) "
        f"AND source IN ({', '.join('%s' for _ in sources)})"
    )
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {STAGE_COLUMNS} FROM {table} WHERE {where}",  # noqa: S608
            [*campaigns, first.isoformat(), last.isoformat(), *metrics, *sources],
        )
        rows = cursor.fetchall()
    if not rows:
        return _empty_existing()
    frame = pd.DataFrame(rows, columns=[*KEY, "value"])
    frame["date"] = pd.to_datetime(frame["date"]).astype("datetime64[ns]")
    return frame


# COPY … TO STDOUT (FORMAT binary) of (campaign_id, date, metric_id, source's position, value):
# fixed-width rows that numpy reads in place; PostgreSQL formats no float or date as text.
_STORED_ROW = np.dtype(
    [
        ("count", ">i2"),
        ("campaign_id_length", ">i4"),
        ("campaign_id", ">i8"),
        ("date_length", ">i4"),
        ("date", ">i4"),
        ("metric_id_length", ">i4"),
        ("metric_id", ">i8"),
        ("source_length", ">i4"),
        ("source", ">i4"),
        ("value_length", ">i4"),
        ("value", ">f8"),
    ]
)


def _existing_binary(table: str, where: str, params: list[Any], sources: list[str]) -> pd.DataFrame:
    # a load's facts mostly share one source: then its position needs no function per row
    if len(sources) == 1:
        position = "1"
    else:
        position, params = "array_position(%s::text[], source::text)", [sources, *params]
    with connection.cursor() as cursor:
        query = cursor.mogrify(  # type: ignore[attr-defined]
            f"SELECT campaign_id, date, metric_id, {position}, value FROM {table} "  # noqa: S608
            f"WHERE {where}",
            params,
        )
        if isinstance(query, bytes):
            query = query.decode()
        buffer = io.BytesIO()
        cursor.cursor.copy_expert(  # type: ignore[attr-defined]
            f"COPY ({query}) TO STDOUT WITH (FORMAT binary)", buffer, size=1 << 20
        )
    body = buffer.getbuffer()[len(BINARY_HEADER) : -len(BINARY_TRAILER)]
    rows = np.frombuffer(body, dtype=_STORED_ROW)
    if not len(rows):
        return _empty_existing()
    return pd.DataFrame(
        {
            "campaign_id": rows["campaign_id"].astype("int64"),
            "date": (rows["date"].astype("int64") + PG_EPOCH.astype("int64")).astype(
                "datetime64[D]"
            ),
            "metric_id": rows["metric_id"].astype("int64"),
            # the sources by their position in ``sources``: no string per row
            "source": pd.Categorical.from_codes(
                rows["source"].astype("int64") - 1, categories=sources
            ),
            "value": rows["value"].astype("float64"),
        }
    ).astype({"date": "datetime64[ns]"})


def _empty_existing() -> pd.DataFrame:
    return pd.DataFrame({c: [] for c in (*KEY, "value")})


def _match(stage: pd.DataFrame, existing: pd.DataFrame) -> np.ndarray:
    """Position in ``existing`` of each staged key, -1 when the key is new.

    Each key becomes one int64 from its integer parts, the source by its position among the
    stage's sources (hashing a few names, not a string per row); when those spans could
    overflow, the rows are numbered by ``row_codes`` instead."""
    stage_source, names = pd.factorize(stage["source"])
    stored = existing["source"]
    if isinstance(stored.dtype, pd.CategoricalDtype):
        by_category = pd.Index(names).get_indexer(stored.cat.categories)
        stored_source = np.append(by_category, -1)[stored.cat.codes.to_numpy()]
    else:  # SQLite: the names themselves
        stored_source = pd.Index(names).get_indexer(stored)
    parts = []
    for ours, theirs in (
        (stage["campaign_id"], existing["campaign_id"]),
        (day_numbers(stage["date"]), day_numbers(existing["date"])),
        (stage["metric_id"], existing["metric_id"]),
        (stage_source, stored_source),
    ):
        parts.append((np.asarray(ours, dtype="int64"), np.asarray(theirs, dtype="int64")))
    low = [min(a.min(), b.min()) for a, b in parts]
    spans = [max(a.max(), b.max()) - lo + 1 for (a, b), lo in zip(parts, low, strict=True)]
    if np.prod(np.array(spans, dtype="float64")) < 2**62:
        keys = [np.zeros(len(stage), dtype="int64"), np.zeros(len(existing), dtype="int64")]
        for (a, b), lo, span in zip(parts, low, spans, strict=True):
            keys = [keys[0] * span + (a - lo), keys[1] * span + (b - lo)]
        ours, theirs = keys
    else:
        both = pd.DataFrame(
            {i: np.concatenate(pair) for i, pair in enumerate(parts)}  # integers only
        )
        codes = row_codes(both).to_numpy()
        ours, theirs = codes[: len(stage)], codes[len(stage) :]
    return pd.Index(theirs).get_indexer(ours)


def day_numbers(dates: pd.Series) -> np.ndarray:
    """Each date as its number of days since 1970-01-01 (int64)."""
    return dates.to_numpy(dtype="datetime64[D]").astype("int64")


# --------------------------------------------------------------------------- writing


PG_EPOCH = np.datetime64("2000-01-01", "D")
BINARY_HEADER = b"PGCOPY\n\xff\r\n\x00" + bytes(8)  # signature, flags, no extension
BINARY_TRAILER = b"\xff\xff"


def _binary_rows(part: pd.DataFrame, source: bytes, batch_id: int | None) -> bytes:
    """Rows of one source in PostgreSQL's binary COPY format, built as one numpy record array:
    per row a field count, then each field's byte length and big-endian value (NULL: -1)."""
    fields: list[tuple[str, str]] = [("count", ">i2")]
    for name, kind in (
        ("campaign_id", ">i8"),
        ("date", ">i4"),
        ("metric_id", ">i8"),
        ("source", f"S{len(source)}"),
        ("value", ">f8"),
    ):
        fields += [(f"{name}_length", ">i4"), (name, kind)]
    fields.append(("batch_id_length", ">i4"))
    if batch_id is not None:
        fields.append(("batch_id", ">i8"))
    rows = np.empty(len(part), dtype=np.dtype(fields))
    rows["count"] = 6
    rows["campaign_id_length"], rows["campaign_id"] = 8, part["campaign_id"].to_numpy("int64")
    days = part["date"].to_numpy("datetime64[D]") - PG_EPOCH
    rows["date_length"], rows["date"] = 4, days.astype("int32")
    rows["metric_id_length"], rows["metric_id"] = 8, part["metric_id"].to_numpy("int64")
    rows["source_length"], rows["source"] = len(source), source
    rows["value_length"], rows["value"] = 8, part["value"].to_numpy("float64")
    if batch_id is None:
        rows["batch_id_length"] = -1
    else:
        rows["batch_id_length"], rows["batch_id"] = 8, batch_id
    return rows.tobytes()


def _binary_chunks(frame: pd.DataFrame, batch_id: int | None) -> Iterator[bytes]:
    """The rows in binary COPY format, ``COPY_CHUNK`` rows at a time. Binary saves PostgreSQL
    the text parsing of every number and date (about a fifth of a COPY, BENCHMARKS.md)."""
    yield BINARY_HEADER
    for start in range(0, len(frame), COPY_CHUNK):
        part = frame.iloc[start : start + COPY_CHUNK]
        for source, rows in part.groupby("source", sort=False):
            yield _binary_rows(rows, str(source).encode("utf-8"), batch_id)
    yield BINARY_TRAILER


class _ChunkReader(io.RawIOBase):
    """A file-like object over byte chunks, for psycopg2's ``copy_expert``. A chunk is about
    70 bytes a fact, 17 MB for 250,000, read ``COPY_READ`` bytes at a time: the rest of a chunk
    stays a view (slicing bytes copied all that was left on every read, 150 MB a chunk), and a
    chunk no larger than the read is handed over as it is."""

    def __init__(self, chunks: Iterator[bytes]) -> None:
        self.chunks = chunks
        self.left = memoryview(b"")

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:  # type: ignore[override]
        while not self.left:
            chunk = next(self.chunks, None)
            if chunk is None:
                return b""
            if chunk and (size < 0 or size >= len(chunk)):
                return chunk
            self.left = memoryview(chunk)
        out = self.left[:size] if 0 <= size < len(self.left) else self.left
        self.left = self.left[len(out) :]
        return out.tobytes()


def _copy_into(cursor: Any, table: str, frame: pd.DataFrame, batch_id: int | None) -> None:
    with connection.wrap_database_errors:  # psycopg2's errors as Django's (IntegrityError …)
        cursor.cursor.copy_expert(
            f"COPY {table} ({STAGE_COLUMNS}, batch_id) FROM STDIN WITH (FORMAT binary)",
            _ChunkReader(_binary_chunks(frame, batch_id)),
            size=COPY_READ,
        )


def _plain_rows(frame: pd.DataFrame, batch_id: int | None) -> list[tuple[Any, ...]]:
    days = pd.DatetimeIndex(frame["date"]).strftime("%Y-%m-%d")
    return list(
        zip(
            frame["campaign_id"].astype("int64").tolist(),
            list(days),
            frame["metric_id"].astype("int64").tolist(),
            frame["source"].astype(str).tolist(),
            frame["value"].astype("float64").tolist(),
            [batch_id] * len(frame),
            strict=True,
        )
    )


def _insert_new(frame: pd.DataFrame, batch_id: int | None) -> tuple[int, int]:
    """Insert keys read as new, in the unique index's order; returns (created, updated by the
    fallback). A file's rows come day by day: written as they come, each lands on another leaf
    of the index (campaign first), in the campaigns' file order, not their ids'."""
    table = MetricFact._meta.db_table
    frame = frame.take(
        np.lexsort((frame["metric_id"], day_numbers(frame["date"]), frame["campaign_id"]))
    )
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                _copy_into(cursor, table, frame, batch_id)
            else:
                cursor.executemany(
                    f"INSERT INTO {table} ({STAGE_COLUMNS}, batch_id) VALUES (%s, %s, %s, %s, %s, "  # noqa: S608
                    "%s)",
                    _plain_rows(frame, batch_id),
                )
        return len(frame), 0
    except IntegrityError:
        # A concurrent load inserted some of these keys first: upsert them instead.
        return _staged_upsert(frame, batch_id)


def _stage(cursor: Any, frame: pd.DataFrame) -> None:
    cursor.execute("DROP TABLE IF EXISTS mops_fact_stage")
    cursor.execute(
        "CREATE TEMPORARY TABLE mops_fact_stage (campaign_id bigint NOT NULL, date date NOT "
        "NULL, metric_id bigint NOT NULL, source varchar(32) NOT NULL, value double precision "
        "NOT NULL, batch_id bigint)"
    )
    if connection.vendor == "postgresql":
        _copy_into(cursor, "mops_fact_stage", frame, None)
        cursor.execute("ANALYZE mops_fact_stage")
    else:
        cursor.executemany(
            f"INSERT INTO mops_fact_stage ({STAGE_COLUMNS}, batch_id) VALUES (%s, %s, %s, %s, %s, "  # noqa: S608
            "%s)",
            _plain_rows(frame, None),
        )


def _update_changed(frame: pd.DataFrame, batch_id: int | None) -> int:
    table = MetricFact._meta.db_table
    distinct = "IS DISTINCT FROM" if connection.vendor == "postgresql" else "IS NOT"
    with connection.cursor() as cursor:
        _stage(cursor, frame)
        cursor.execute(
            f"UPDATE {table} AS f SET value = s.value, batch_id = %s FROM mops_fact_stage AS s "  # noqa: S608
            "WHERE f.campaign_id = s.campaign_id AND f.date = s.date AND f.metric_id = s.metric_id "
            f"AND f.source = s.source AND f.value {distinct} s.value",
            [batch_id],
        )
        updated = cursor.rowcount
        cursor.execute("DROP TABLE mops_fact_stage")
    return updated


def _staged_upsert(frame: pd.DataFrame, batch_id: int | None) -> tuple[int, int]:
    """The always-correct path: stage, UPDATE what differs, INSERT what is missing."""
    table = MetricFact._meta.db_table
    distinct = "IS DISTINCT FROM" if connection.vendor == "postgresql" else "IS NOT"
    with connection.cursor() as cursor:
        _stage(cursor, frame)
        cursor.execute(
            f"UPDATE {table} AS f SET value = s.value, batch_id = %s FROM mops_fact_stage AS s "  # noqa: S608
            "WHERE f.campaign_id = s.campaign_id AND f.date = s.date AND f.metric_id = s.metric_id "
            f"AND f.source = s.source AND f.value {distinct} s.value",
            [batch_id],
        )
        updated = cursor.rowcount
        cursor.execute(
            f"INSERT INTO {table} ({STAGE_COLUMNS}, batch_id) SELECT {STAGE_COLUMNS}, %s FROM "  # noqa: S608
            "mops_fact_stage WHERE true ON CONFLICT (campaign_id, date, metric_id, source) "
            "DO NOTHING",
            [batch_id],
        )
        created = cursor.rowcount
        cursor.execute("DROP TABLE mops_fact_stage")
    return created, updated
