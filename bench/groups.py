"""The benchmark groups: the loads' lines, recompute, pages, push, SQLite, scale."""

from __future__ import annotations

import json
import os
import sys
import tempfile
from typing import Any

from bench import data, env
from bench.report import Report, fmt, label

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def report_loads(
    report: Report,
    tag: str,
    seconds: dict[str, float],
    counts: dict[str, Any],
    rows: int,
    wide_blob: bytes | None,
) -> None:
    """The lines of the loads and their baselines, timed in the same rounds: ``seconds`` and
    ``counts`` by step (``raw_copy``, ``fact_table_copy``, and the ones run: ``first``,
    ``again``, ``wide``, ``to_sql``)."""
    copy_s, fact_copy_s = seconds["raw_copy"], seconds["fact_table_copy"]
    report.add(
        f"raw_copy_{tag}",
        1.0,
        f"baseline: {copy_s:.2f} s for {fmt(rows)} rows, {fmt(rows / copy_s)} rows/s, "
        "COPY into a table with only the fact table's unique key",
        seconds=copy_s,
        rows=rows,
    )
    report.add(
        f"copy_into_fact_table_{tag}",
        fact_copy_s / copy_s,
        f"{fact_copy_s:.2f} s: the same COPY into analytics_metricfact itself (its primary key "
        "is the natural key since analytics 0006, plus a BRIN on the date; its foreign keys have "
        "no constraint or index since 0005): the floor the schema sets",
        seconds=fact_copy_s,
    )
    if "first" not in seconds:
        return
    load_s, reload_s = seconds["first"], seconds["again"]
    report.add(
        f"load_long_{tag}",
        load_s / copy_s,
        f"load_file {load_s:.2f} s vs raw COPY {copy_s:.2f} s; {fmt(rows / load_s)} facts/s",
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
        f"identical file again {reload_s:.2f} s vs raw COPY {copy_s:.2f} s; "
        f"counts {counts['again']}",
        "<= 1.5",
        seconds=reload_s,
        baseline_seconds=copy_s,
        counts=counts["again"],
    )
    if wide_blob is not None:
        wide_s = seconds["wide"]
        report.add(
            f"load_wide_ja_{tag}",
            wide_s / load_s,
            f"Shift_JIS wide export {wide_s:.2f} s vs load_long {load_s:.2f} s; "
            f"{fmt(counts['wide']['created'])} facts from {len(wide_blob) / 1e6:.1f} MB",
            "<= 1.3",
            seconds=wide_s,
            long_seconds=load_s,
        )
    if "to_sql" in seconds:
        to_sql_s = seconds["to_sql"]
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


def run_recompute(report: Report, reps: int, shape: data.Shape) -> None:
    from bench import recompute

    if not recompute.available():
        report.skip("recompute_full", "not built: analytics.services.recompute is missing")
        report.skip("recompute_incremental", "not built")
        return
    from bench import loads

    kpis = recompute.seed_kpis()
    facts = data.frame(shape)
    env.truncate_facts()
    loads.load(data.long_csv(facts), "long.csv")
    seconds, _ = env.median_times(
        [
            env.Step("group_by", recompute.run_group_by),
            env.Step("full", recompute.recompute_full, before=recompute.clear_values),
        ],
        reps,
    )
    group_s, full_s = seconds["group_by"], seconds["full"]
    report.add(
        "recompute_full",
        full_s / group_s,
        f"{kpis} KPIs over {fmt(len(facts))} facts: recompute_kpis {full_s:.2f} s vs "
        f"SQL GROUP BY {group_s:.2f} s",
        "<= 3",
        seconds=full_s,
        baseline_seconds=group_s,
        kpis=kpis,
    )
    # one more day for every campaign, loaded, then only its periods recomputed
    day = data.frame(data.Shape(shape.campaigns, 1), seed=7, day_offset=shape.days)
    loads.load(data.long_csv(day), "day.csv")
    first = data.FIRST_DAY + __import__("datetime").timedelta(days=shape.days)
    ids = env.campaign_ids()[: shape.campaigns]
    inc_s = env.median_time(lambda: recompute.recompute_day(first, ids), reps)
    report.add(
        "recompute_incremental",
        inc_s / full_s,
        f"after appending one day ({fmt(len(day))} facts): {inc_s:.3f} s vs full {full_s:.2f} s",
        "<= 0.05",
        seconds=inc_s,
        full_seconds=full_s,
    )


def report_pages(
    report: Report, small: dict[str, Any], large: dict[str, Any], sizes: dict[str, int]
) -> None:
    from bench.pages import BUILT_PAGES, MEMBER, MEMBER_PAGES, PAGES

    bare = large["bare_ms"]
    report.add(
        "pages_bare_view",
        1.0,
        f"baseline: base.html from a bare view, {bare:.1f} ms median, "
        f"{large['bare_queries']} queries",
        seconds=bare / 1000,
    )
    for name, _candidates in PAGES:
        if name not in large["pages"]:
            report.skip(f"pages_{name}", "no such page yet (URL name not found)")
            continue
        page, before = large["pages"][name], small["pages"][name]
        same = page["queries"] == before["queries"]
        report.add(
            f"pages_{name}",
            page["median_ms"] / bare,
            f"{page['url']} {page['median_ms']:.1f} ms vs bare {bare:.1f} ms; queries "
            f"{page['queries']} at {fmt(sizes['main'])} facts vs {before['queries']} at "
            f"{fmt(sizes['pages_small'])} facts ({'same' if same else 'DIFFERENT'}); "
            f"HTTP {page['status']}; {fmt(sizes['incidents'])} vs "
            f"{fmt(sizes['incidents_small'])} incidents; {sizes['kpis']} KPIs with a target; "
            f"{sizes['tools']} tools",
            "<= 5",
            seconds=page["median_ms"] / 1000,
            queries=page["queries"],
            queries_small=before["queries"],
            queries_same=same,
        )
    # no target of their own: what the same pages cost a team member, beside the admin's, and
    # the pages with every cached panel and part built for each request, beside the cached
    variants = [
        (
            f"{name}_member",
            name,
            f"as {MEMBER}, a member of the team whose incidents are seeded (each read filtered "
            "by their object permissions)",
            "the admin's",
        )
        for name in MEMBER_PAGES
    ] + [
        (
            f"{name}_built",
            name,
            "with every cached panel and part built for each request (PANEL_CACHE_SECONDS=0, "
            "as after a write to each table they read)",
            "cached",
        )
        for name in BUILT_PAGES
    ]
    for key, name, what, beside in variants:
        if key not in large["pages"]:
            continue
        page, before, other = large["pages"][key], small["pages"][key], large["pages"][name]
        same = page["queries"] == before["queries"]
        report.add(
            f"pages_{key}",
            page["median_ms"] / bare,
            f"{page['url']} {what} {page['median_ms']:.1f} ms vs bare {bare:.1f} ms, {beside} "
            f"{other['median_ms']:.1f} ms; queries {page['queries']} at {fmt(sizes['main'])} "
            f"facts vs {before['queries']} at {fmt(sizes['pages_small'])} facts "
            f"({'same' if same else 'DIFFERENT'}); HTTP {page['status']}",
            seconds=page["median_ms"] / 1000,
            queries=page["queries"],
            queries_small=before["queries"],
            queries_same=same,
        )


def run_api(report: Report, sizes: dict[str, int]) -> None:
    from bench.api import push_api

    n, per = sizes["api_requests"], sizes["api_points"]
    facts = data.frame(data.shape_for(n * per))[: n * per]
    bodies = data.api_batches(facts, per)
    result = push_api(bodies)
    ratio = result["median_request_s"] / result["median_in_process_s"]
    report.add(
        "push_api",
        ratio,
        f"{result['requests']} requests x {fmt(per)} points to gunicorn (2 workers, bearer "
        f"token): {fmt(result['points_per_s'])} points/s, median request "
        f"{result['median_request_s']:.3f} s vs in-process load_points "
        f"{result['median_in_process_s']:.3f} s",
        "<= 2.5",
        **result,
    )


def run_sqlite(report: Report, reps: int, size: int) -> None:
    from bench.loads import sqlite_pair

    facts = data.frame(data.shape_for(size))
    load_s, executemany_s, counts = sqlite_pair(facts, reps)
    report.add(
        f"sqlite_load_{label(len(facts))}",
        load_s / executemany_s,
        f"load_file on SQLite {load_s:.2f} s vs sqlite3 executemany {executemany_s:.2f} s "
        f"into the same indexed table; {fmt(counts.get('created', 0))} created",
        seconds=load_s,
        baseline_seconds=executemany_s,
    )


def run_scale(report: Report, sizes: dict[str, int], reps: int) -> None:
    """The long load at two sizes, each in a process of its own (so its peak memory is its own),
    the two taking turns for ``reps`` rounds: the medians of their times and peak RSS."""
    import statistics
    import subprocess

    small, large = sizes["scale_small"], sizes["scale_large"]
    runs: dict[int, list[dict[str, float]]] = {small: [], large: []}
    with tempfile.TemporaryDirectory() as tmp:
        paths = {n: os.path.join(tmp, f"long_{n}.csv") for n in (small, large)}
        for n, path in paths.items():
            with open(path, "wb") as fh:
                fh.write(data.long_csv(data.frame(data.shape_for(n))))
        for _ in range(reps):
            for n, path in paths.items():
                out = subprocess.run(  # noqa: S603 - our own interpreter and module
                    [sys.executable, "-m", "bench.child", "scale", path],
                    check=True,
                    capture_output=True,
                    text=True,
                    cwd=ROOT,
                )
                runs[n].append(json.loads(out.stdout.strip().splitlines()[-1]))
    facts = {n: int(runs[n][0]["facts"]) for n in runs}

    def median(n: int, key: str) -> float:
        return statistics.median(run[key] for run in runs[n])

    seconds, small_seconds = median(large, "seconds"), median(small, "seconds")
    rss, small_rss = median(large, "peak_rss_mib"), median(small, "peak_rss_mib")
    report.add(
        f"scale_{label(facts[large])}_time",
        seconds / small_seconds,
        f"{fmt(facts[large])} facts {seconds:.2f} s vs {fmt(facts[small])} facts "
        f"{small_seconds:.2f} s (each load in its own process, the two in turn; median of {reps})",
        "<= 5.5",
        seconds=seconds,
        small_seconds=small_seconds,
        facts=facts[large],
        small_facts=facts[small],
    )
    report.add(
        f"scale_{label(facts[large])}_rss",
        rss / small_rss,
        f"peak RSS {rss:.0f} MiB vs {small_rss:.0f} MiB",
        "<= 1.25",
        peak_rss_mib=rss,
        small_peak_rss_mib=small_rss,
    )
