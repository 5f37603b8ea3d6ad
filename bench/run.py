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
import contextlib
import json
import os
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench import data, env  # noqa: E402
from bench.groups import (  # noqa: E402
    report_loads,
    report_pages,
    run_api,
    run_recompute,
    run_scale,
    run_sqlite,
)
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
        sizes["tools"] = pages.seed_inventory()
        sizes["incidents_small"] = pages.seed_incidents(10, pages_today)
        sizes["kpis"] = pages.seed_kpi_board(pages_today)
        pages_small = pages.measure(3 if quick else 10, pages_today)

    # the loads and their baselines in the same rounds (env.median_times)
    loading = bool({"load", "to_sql", "wide", "recompute", "pages"} & only)
    wide_blob = data.wide_ja_csv(facts) if "wide" in only else None
    steps = [loads.raw_copy(rows), loads.fact_table_copy(rows)]
    if loading:
        if wide_blob is not None:  # first, so that each round ends with the long file's facts
            steps.append(loads.load_step("wide", wide_blob, "wide_ja.csv", empty_first=True))
        steps.append(loads.load_step("first", long_blob, "long.csv", empty_first=True))
        steps.append(loads.load_step("again", long_blob, "long.csv", empty_first=False))
    sqlalchemy = loads.sqlalchemy_engine() if "to_sql" in only else contextlib.nullcontext()
    with sqlalchemy as engine:
        if engine is not None:
            steps.append(loads.to_sql(rows, engine))
        seconds, counts = env.median_times(steps, reps)
    if not loading:
        env.truncate_facts()
    report_loads(report, tag, seconds, counts, len(rows), wide_blob)
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
        guarded(report, "scale", lambda: run_scale(report, sizes, reps))
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
