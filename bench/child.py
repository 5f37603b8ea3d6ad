"""Subprocess entry points: loads whose peak memory is measured alone, and the SQLite path.

``python -m bench.child scale FILE``: one load of FILE through ``load_file`` into the benchmark
database (DATABASE_URL), printing {"seconds", "peak_rss_mib", "facts"} as JSON.
``python -m bench.child sqlite FILE REPS DIR``: the embedded default on a temporary SQLite file.
"""

from __future__ import annotations

import json
import os
import sys
import time


def scale(path: str) -> None:
    from bench import env

    env.setup_django(migrate=False)
    env.quiet_facts_changed()
    env.truncate_facts()
    from bench.loads import load

    start = time.perf_counter()
    with open(path, "rb") as fh:  # as import_metrics does: the file is streamed, not read whole
        batch = load(fh, os.path.basename(path))
    seconds = time.perf_counter() - start
    print(
        json.dumps(
            {"seconds": seconds, "peak_rss_mib": env.peak_rss_mib(), "facts": batch.received}
        )
    )


def sqlite(path: str, reps: int, tmp: str) -> None:
    import statistics

    db = os.path.join(tmp, "bench.sqlite3")
    os.environ["DATABASE_URL"] = f"sqlite:///{db}"
    from bench import env

    env.setup_django(migrate=True)
    env.quiet_facts_changed()
    env.seed()
    from bench.loads import load, sqlite_executemany

    with open(path, "rb") as fh:
        blob = fh.read()
    times, counts = [], {}
    for _ in range(reps):
        env.truncate_facts_sqlite()
        start = time.perf_counter()
        batch = load(blob, os.path.basename(path))
        times.append(time.perf_counter() - start)
        counts = batch.counts()
    # the baseline: the same resolved rows, sqlite3 executemany into the same indexed table
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT campaign_id, date, metric_id, source, value FROM analytics_metricfact"
        )
        rows = cursor.fetchall()
    connection.close()
    baseline = sqlite_executemany(os.path.join(tmp, "baseline.sqlite3"), rows, reps)
    print(json.dumps({"load": statistics.median(times), "executemany": baseline, "counts": counts}))


if __name__ == "__main__":
    what = sys.argv[1]
    if what == "scale":
        scale(sys.argv[2])
    elif what == "sqlite":
        sqlite(sys.argv[2], int(sys.argv[3]), sys.argv[4])
    else:
        raise SystemExit(f"unknown child {what!r}")
