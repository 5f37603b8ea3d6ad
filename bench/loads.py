"""Loader benchmarks and their baselines: raw COPY, pandas' to_sql, SQLite executemany."""

from __future__ import annotations

import io
import os
import sqlite3
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from typing import IO, Any

import pandas as pd

from bench import data, env

BASELINE_TABLE = "bench_copy_target"


def create_baseline_table() -> None:
    """The fact table's columns with the same unique key, nothing else: raw COPY's target."""
    env.execute(f"DROP TABLE IF EXISTS {BASELINE_TABLE}")
    env.execute(
        f"CREATE TABLE {BASELINE_TABLE} (campaign_id bigint NOT NULL, date date NOT NULL, "
        "metric_id bigint NOT NULL, source varchar(32) NOT NULL, value double precision NOT NULL)"
    )
    env.execute(
        f"CREATE UNIQUE INDEX {BASELINE_TABLE}_key ON {BASELINE_TABLE} "
        "(campaign_id, date, metric_id, source)"
    )


def resolved_rows(facts: pd.DataFrame, source: str) -> pd.DataFrame:
    return data.copy_rows(facts, env.campaign_ids(), env.metric_ids(), source)


def _csv(rows: pd.DataFrame) -> str:
    buffer = io.StringIO()
    rows.to_csv(buffer, index=False, header=False)
    return buffer.getvalue()


def raw_copy(rows: pd.DataFrame) -> env.Step:
    """COPY the resolved rows (CSV prepared beforehand) into the indexed baseline table."""
    from django.db import connection, transaction

    text = _csv(rows)

    def run() -> None:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.cursor.copy_expert(
                f"COPY {BASELINE_TABLE} FROM STDIN WITH (FORMAT csv)", io.StringIO(text)
            )

    return env.Step("raw_copy", run, before=lambda: env.execute(f"TRUNCATE {BASELINE_TABLE}"))


def fact_table_copy(rows: pd.DataFrame) -> env.Step:
    """The same COPY into the fact table itself: the floor its schema sets."""
    from django.db import connection, transaction

    from analytics.models import MetricFact

    text = _csv(rows)
    table = MetricFact._meta.db_table

    def run() -> None:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.cursor.copy_expert(
                f"COPY {table} (campaign_id, date, metric_id, source, value) FROM STDIN "
                "WITH (FORMAT csv)",
                io.StringIO(text),
            )

    return env.Step("fact_table_copy", run, before=env.truncate_facts)


@contextmanager
def sqlalchemy_engine() -> Iterator[Any]:
    """The SQLAlchemy 2 engine (psycopg2) that ``to_sql`` writes through."""
    import sqlalchemy

    url = os.environ["DATABASE_URL"].split("://", 1)[1]
    engine = sqlalchemy.create_engine(f"postgresql+psycopg2://{url}")
    try:
        yield engine
    finally:
        engine.dispose()


def to_sql(rows: pd.DataFrame, engine: Any) -> env.Step:
    """What a user would otherwise write: ``DataFrame.to_sql(…, if_exists="append",
    index=False)`` of the resolved rows into the indexed baseline table, through SQLAlchemy 2 and
    psycopg2 (pandas' default ``method``: an executemany, which SQLAlchemy sends as multi-row
    ``INSERT … VALUES`` pages)."""

    def run() -> None:
        rows.to_sql(BASELINE_TABLE, engine, if_exists="append", index=False)

    return env.Step("to_sql", run, before=lambda: env.execute(f"TRUNCATE {BASELINE_TABLE}"))


def load(file: bytes | IO[bytes], filename: str) -> Any:
    from analytics.services.files import load_file

    result = load_file(file, filename, source="bench")
    if result.refused:
        raise RuntimeError(f"benchmark file refused: {[e.as_json() for e in result.errors[:3]]}")
    return result.batch


def load_step(name: str, blob: bytes, filename: str, *, empty_first: bool) -> env.Step:
    """``load_file`` of ``blob``, into an emptied fact table when ``empty_first`` (else over
    what the round's steps before left); returns the batch's counts."""
    return env.Step(
        name,
        lambda: load(blob, filename).counts(),
        before=env.truncate_facts if empty_first else None,
    )


# --------------------------------------------------------------------------- SQLite


def sqlite_pair(facts: pd.DataFrame, reps: int) -> tuple[float, float, dict]:
    """The embedded default: ``load_file`` on a temporary SQLite database, in a subprocess,
    against sqlite3 ``executemany`` of the resolved rows into the same indexed table."""
    import json
    import subprocess
    import sys

    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "long.csv")
        with open(path, "wb") as fh:
            fh.write(data.long_csv(facts))
        out = subprocess.run(  # noqa: S603 - our own interpreter and module
            [sys.executable, "-m", "bench.child", "sqlite", path, str(reps), tmp],
            check=True,
            capture_output=True,
            text=True,
            cwd=env_root(),
        )
    result = json.loads(out.stdout.strip().splitlines()[-1])
    return result["load"], result["executemany"], result["counts"]


def sqlite_executemany(db_path: str, rows: list[tuple], reps: int) -> float:
    def before() -> None:
        conn = sqlite3.connect(db_path)
        conn.execute("DROP TABLE IF EXISTS bench_copy_target")
        conn.execute(
            "CREATE TABLE bench_copy_target (campaign_id bigint NOT NULL, date date NOT NULL, "
            "metric_id bigint NOT NULL, source varchar(32) NOT NULL, value real NOT NULL)"
        )
        conn.execute(
            "CREATE UNIQUE INDEX bench_copy_target_key ON bench_copy_target "
            "(campaign_id, date, metric_id, source)"
        )
        conn.commit()
        conn.close()

    def run() -> None:
        conn = sqlite3.connect(db_path)
        conn.executemany("INSERT INTO bench_copy_target VALUES (?, ?, ?, ?, ?)", rows)
        conn.commit()
        conn.close()

    return env.median_time(run, reps, before=before)


def env_root() -> str:
    return os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
