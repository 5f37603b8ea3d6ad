"""``python -m bench.explain``: EXPLAIN ANALYZE of where a fact load's time goes.

Run after ``make bench`` (it reuses the benchmark database and its data generator). Prints, for
the same N resolved rows: the INSERT into the baseline table (unique key only) and into
``analytics_metricfact`` with its foreign keys checked at statement end (``SET CONSTRAINTS ALL
IMMEDIATE``, so the trigger time is reported), and the reload's read of the stored key range.
"""

from __future__ import annotations

import io
import os
import sys

from bench import data, env


def main() -> None:
    size = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    url = env.bench_url(os.environ.get("DATABASE_URL"))
    env.production_environment(url)
    env.setup_django(migrate=False)
    from django.db import connection, transaction

    from analytics.models import MetricFact
    from bench.loads import BASELINE_TABLE, create_baseline_table, resolved_rows

    rows = resolved_rows(data.frame(data.shape_for(size)), "bench")
    buffer = io.StringIO()
    rows.to_csv(buffer, index=False, header=False)
    table = MetricFact._meta.db_table
    create_baseline_table()
    env.truncate_facts()

    def show(title: str, sql: str, params: list | None = None) -> None:
        print(f"\n-- {title}\n{sql}")
        with connection.cursor() as cursor:
            cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}", params)
            for (line,) in cursor.fetchall():
                print(line)

    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "CREATE TEMPORARY TABLE bench_stage (campaign_id bigint, date date, metric_id bigint, "
            "source varchar(32), value double precision) ON COMMIT DROP"
        )
        buffer.seek(0)
        cursor.cursor.copy_expert("COPY bench_stage FROM STDIN WITH (FORMAT csv)", buffer)
        cursor.execute("ANALYZE bench_stage")
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        show(
            f"{len(rows):,} rows into the baseline table (the fact table's unique key only)",
            f"INSERT INTO {BASELINE_TABLE} SELECT * FROM bench_stage",  # noqa: S608
        )
        show(
            f"the same {len(rows):,} rows into {table} (primary key, 3 foreign keys checked, "
            "their indexes, BRIN)",
            f"INSERT INTO {table} (campaign_id, date, metric_id, source, value, batch_id) "  # noqa: S608
            f"SELECT s.*, (SELECT max(id) FROM analytics_importbatch) FROM bench_stage s",
        )
        cursor.execute("ANALYZE " + table)
        show(
            "the reload's read of the stored key range (one range scan of the unique key)",
            f"SELECT campaign_id, date, metric_id, source, value FROM {table} "  # noqa: S608
            "WHERE campaign_id = ANY(%s) AND date BETWEEN %s AND %s AND metric_id = ANY(%s) "
            "AND source = ANY(%s)",
            [
                sorted(set(rows["campaign_id"].tolist())),
                rows["date"].min(),
                rows["date"].max(),
                sorted(set(rows["metric_id"].tolist())),
                ["bench"],
            ],
        )
        transaction.set_rollback(True)


if __name__ == "__main__":
    main()
