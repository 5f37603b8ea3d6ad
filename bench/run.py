"""``make bench``: every benchmark on PostgreSQL, each a ratio to a baseline of the same run.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/mops .venv/bin/python -m bench.run [--quick]

The suite creates (drops and re-creates) its own database beside the one DATABASE_URL names
(``<name>_bench``), migrates it with the production settings, seeds users and campaigns, and
generates its data deterministically. Each figure is the median of several repetitions (3 in
full, 1 in quick mode). One line per figure, ``name: <ratio>x (<absolute figures>)``, and the
same in ``bench/results/latest.json``. Targets are printed for information; nothing is asserted.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench import data, env  # noqa: E402
from bench.groups import report_pages, run_api, run_recompute, run_scale, run_sqlite  # noqa: E402
from bench.loads import fact_table_copy  # noqa: E402
from bench.report import Report, fmt, label  # noqa: E402

ALL = ("load", "wide", "to_sql", "recompute", "pages", "api", "sqlite", "scale")
# the figures each group writes (for --merge)
GROUPS = {
    "load": ("raw_copy_", "copy_into_", "load_long_", "reload_long_"),
    "wide": ("load_wide_",),
    "to_sql": ("to_sql_",),
    "recompute": ("recompute_",),
    "pages": ("pages_",),
    "api": ("push_api",),
    "sqlite": ("sqlite_",),
    "scale": ("scale_",),
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes (CI smoke)")
    parser.add_argument("--only", default="", help=f"comma list of: {', '.join(ALL)}")
    parser.add_argument("--size", type=int, help="facts for the main loads (default 1M / 20k)")
    parser.add_argument("--reps", type=int, help="repetitions per figure (default 3 / 1)")
    parser.add_argument("--database", help="benchmark database name (default <name>_bench)")
    parser.add_argument("--output", type=Path, default=ROOT / "bench/results/latest.json")
    parser.add_argument(
        "--merge", action="store_true", help="keep earlier figures this run does not measure"
    )
    args = parser.parse_args(argv)

    url = env.bench_url(os.environ.get("DATABASE_URL"))
    if args.database:
        from urllib.parse import urlsplit, urlunsplit

        url = urlunsplit(urlsplit(url)._replace(path=f"/{args.database}"))
    quick = args.quick
    size = args.size or (20_000 if quick else 1_000_000)
    reps = args.reps or (1 if quick else 3)
    only = set(filter(None, args.only.split(","))) or set(ALL)
    unknown = only - set(ALL)
    if unknown:
        parser.error(f"unknown benchmarks: {', '.join(sorted(unknown))}")
    sizes = {
        "main": size,
        "to_sql": size,
        "scale_small": size,
        "scale_large": size * 5,
        "api_requests": 2 if quick else 100,
        "api_points": 10_000 if size >= 10_000 else max(1, size // 2),
        "pages_small": 1_000,
        "incidents": 200 if quick else 10_000,
    }

    print(f"benchmark database: {url.rsplit('/', 1)[1]} (re-created)", flush=True)
    env.recreate_database(url)
    env.production_environment(url)
    env.setup_django(migrate=True)
    env.quiet_facts_changed()
    env.seed()
    report = Report("quick" if quick else "full", args.output, sizes)
    if args.merge and args.output.exists():
        previous = json.loads(args.output.read_text())
        if previous.get("mode") == report.mode:
            report.keep = {
                name: figure
                for name, figure in previous["figures"].items()
                if not name.startswith(tuple(p for g in only for p in GROUPS[g]))
            }
    print(f"mode: {report.mode}, {fmt(size)} facts, {reps} repetition(s) per figure", flush=True)

    from bench import loads

    shape = data.shape_for(size)
    facts = data.frame(shape)
    long_blob = data.long_csv(facts)
    rows = loads.resolved_rows(facts, "bench")
    loads.create_baseline_table()
    tag = label(len(facts))
    sizes["main"] = len(facts)

    pages_small = None
    if "pages" in only:
        from bench import pages

        pages_today = pages.day_after_data(shape)
        small = data.frame(data.shape_for(sizes["pages_small"]))
        loads.load(data.long_csv(small), "small.csv")
        sizes["incidents_small"] = pages.seed_incidents(10, pages_today)
        sizes["kpis"] = pages.seed_kpi_board(pages_today)
        pages_small = pages.measure(3 if quick else 10, pages_today)

    copy_s = loads.raw_copy(rows, reps)
    report.add(
        f"raw_copy_{tag}",
        1.0,
        f"baseline: {copy_s:.2f} s for {fmt(len(rows))} rows, {fmt(len(rows) / copy_s)} rows/s, "
        "COPY into a table with only the fact table's unique key",
        seconds=copy_s,
        rows=len(rows),
    )
    fact_copy_s = fact_table_copy(rows, reps)
    report.add(
        f"copy_into_fact_table_{tag}",
        fact_copy_s / copy_s,
        f"{fact_copy_s:.2f} s: the same COPY into analytics_metricfact itself (its primary key "
        "is the natural key since analytics 0006, plus a BRIN on the date; its foreign keys have "
        "no constraint or index since 0005): the floor the schema sets",
        seconds=fact_copy_s,
    )
    load_s = reload_s = None
    if {"load", "to_sql", "wide", "recompute", "pages"} & only:
        wide_blob = data.wide_ja_csv(facts) if "wide" in only else None
        rounds = loads.load_rounds(long_blob, wide_blob, reps)
        load_s, reload_s, counts = rounds["first"], rounds["again"], rounds["counts"]["again"]
        report.add(
            f"load_long_{tag}",
            load_s / copy_s,
            f"load_file {load_s:.2f} s vs raw COPY {copy_s:.2f} s; "
            f"{fmt(len(facts) / load_s)} facts/s",
            "<= 2.0",
            seconds=load_s,
            baseline_seconds=copy_s,
        )
        report.add(
            f"load_long_over_fact_table_copy_{tag}",
            load_s / fact_copy_s,
            f"load_file {load_s:.2f} s vs the same rows COPYed into analytics_metricfact "
            f"{fact_copy_s:.2f} s: parsing, validation and the split into new/changed keys "
            "on top of what the schema costs",
            seconds=load_s,
            baseline_seconds=fact_copy_s,
        )
        report.add(
            f"reload_long_{tag}",
            reload_s / copy_s,
            f"identical file again {reload_s:.2f} s vs raw COPY {copy_s:.2f} s; counts {counts}",
            "<= 1.5",
            seconds=reload_s,
            baseline_seconds=copy_s,
            counts=counts,
        )
        if wide_blob is not None:
            report.add(
                f"load_wide_ja_{tag}",
                rounds["wide"] / load_s,
                f"Shift_JIS wide export {rounds['wide']:.2f} s vs load_long {load_s:.2f} s in the "
                f"same rounds; {fmt(rounds['counts']['wide']['created'])} facts from "
                f"{len(wide_blob) / 1e6:.1f} MB",
                "<= 1.3",
                seconds=rounds["wide"],
                long_seconds=load_s,
            )
    if "to_sql" in only and load_s:
        to_sql_s = loads.to_sql(rows, reps)
        report.add(
            f"to_sql_{tag}",
            to_sql_s / load_s,
            f"DataFrame.to_sql {to_sql_s:.2f} s vs load_file {load_s:.2f} s (the loader is "
            f"{to_sql_s / load_s:.1f}x faster; to_sql is {to_sql_s / copy_s:.1f}x raw COPY, so "
            f"no loader on COPY can be more than {to_sql_s / copy_s:.1f}x faster than it)",
            ">= 10",
            seconds=to_sql_s,
            loader_seconds=load_s,
        )
    if "recompute" in only:
        guarded(report, "recompute_full", lambda: run_recompute(report, reps, shape))
    if "pages" in only and pages_small is not None:
        from bench import pages

        sizes["incidents"] = pages.seed_incidents(sizes["incidents"], pages_today)
        env.execute("ANALYZE")  # the statistics autovacuum would have gathered after the loads
        report_pages(report, pages_small, pages.measure(3 if quick else 30, pages_today), sizes)
    if "api" in only:
        guarded(report, "push_api", lambda: run_api(report, sizes))
    if "sqlite" in only:
        guarded(report, "sqlite_load", lambda: run_sqlite(report, reps, min(size, 200_000)))
    if "scale" in only:
        guarded(report, "scale", lambda: run_scale(report, sizes))
    report.write(complete=True)
    if not quick and "scale" in only:
        from bench.chart import write_chart

        print(f"chart: {write_chart(report.figures, args.output.parent)}", flush=True)
    print(f"results: {args.output}", flush=True)
    return 1 if report.failed else 0


def guarded(report: Report, name: str, run: Any) -> None:
    """Run one benchmark; a failure is reported as its line and fails the suite at the end."""
    import traceback

    try:
        run()
    except Exception as exc:  # reported, and the exit status says so
        traceback.print_exc()
        report.fail(name, f"{type(exc).__name__}: {str(exc).splitlines()[0][:200]}")


if __name__ == "__main__":
    sys.exit(main())
