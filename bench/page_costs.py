"""``python -m bench.page_costs [URL …]``: where a page's server time goes, per request.

Runs against the benchmark database (``<DATABASE_URL's name>_bench``) that ``make bench`` (or
``python -m bench.run --only pages``) left behind, as its admin user (``--user`` names another),
and prints for each URL (default: the bare view, the overview and the triage page) the median
of 40 requests: the time, the queries, their database round trips (timed with
``connection.execute_wrapper``) and Django's compilation of their SQL (``SQLCompiler.as_sql``
timed on its own); the last two bound how fast the page can get without fewer queries.
``--profile N`` adds where the rest goes, ``--panels`` what each panel costs the pages that
show it (the overview's and the section pages' summaries, ``mops.registry.overview_panels``).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import statistics
import time
from typing import Any

from bench import data, env

REQUESTS = 40


def _recording(trips: list[tuple[str, float]]) -> Any:
    """A ``connection.execute_wrapper`` that adds each query's (SQL, round trip) to ``trips``."""

    def round_trip(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        start = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            trips.append((sql, time.perf_counter() - start))

    return round_trip


def page_costs(url: str, client: Any) -> dict[str, float]:
    from django.core.exceptions import EmptyResultSet
    from django.db import connection
    from django.db.models.sql.compiler import SQLCompiler

    client.get(url)  # warm caches, template loading, first-query plans
    trips: list[tuple[str, float]] = []
    compiles: list[float] = []

    execute_sql = SQLCompiler.execute_sql

    def compiled(self: SQLCompiler, *args: Any, **kwargs: Any) -> Any:
        start = time.perf_counter()
        # once more, timed (execute_sql compiles it again); a query that can match nothing
        # (.none()) raises here, and execute_sql answers it without the database
        with contextlib.suppress(EmptyResultSet):
            self.as_sql()
        compiles.append(time.perf_counter() - start)
        return execute_sql(self, *args, **kwargs)

    totals, db, compile_s, queries = [], [], [], []
    with connection.execute_wrapper(_recording(trips)):
        for _ in range(REQUESTS):
            trips.clear()
            start = time.perf_counter()
            client.get(url)
            totals.append(time.perf_counter() - start)
            db.append(sum(seconds for _sql, seconds in trips))
            queries.append(len(trips))
    SQLCompiler.execute_sql = compiled  # type: ignore[method-assign]
    try:
        for _ in range(REQUESTS):
            compiles.clear()
            client.get(url)
            compile_s.append(sum(compiles))
    finally:
        SQLCompiler.execute_sql = execute_sql  # type: ignore[method-assign]
    return {
        "total_ms": statistics.median(totals) * 1000,
        "queries": statistics.median(queries),
        "db_ms": statistics.median(db) * 1000,
        "compile_ms": statistics.median(compile_s) * 1000,
    }


def panel_costs(user: Any, repeat: int = REQUESTS) -> list[dict[str, Any]]:
    """Each registered panel built for ``user``, all of them in turn ``repeat`` times: the median
    time of a build, its queries and their round trips (the rest is the ORM and Python). The
    user object is kept between builds, so its permission caches are warm, as they are for every
    panel of a page but the first."""
    from django.db import connection
    from django.test import RequestFactory

    from mops.registry import overview_panels

    request = RequestFactory().get("/")
    request.user = user
    panels = overview_panels.items()
    for _key, panel in panels:
        panel.build(request)  # warm caches and first-query plans
    trips: list[tuple[str, float]] = []
    runs: dict[str, list[tuple[float, float, int]]] = {key: [] for key, _panel in panels}
    with connection.execute_wrapper(_recording(trips)):
        for _ in range(repeat):
            for key, panel in panels:
                trips.clear()
                start = time.perf_counter()
                panel.build(request)
                elapsed = time.perf_counter() - start
                runs[key].append((elapsed, sum(seconds for _sql, seconds in trips), len(trips)))
    return [
        {
            "panel": key,
            "pages": sorted(panel.pages),
            "total_ms": statistics.median(run[0] for run in runs[key]) * 1000,
            "db_ms": statistics.median(run[1] for run in runs[key]) * 1000,
            "queries": statistics.median(run[2] for run in runs[key]),
        }
        for key, panel in panels
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("urls", nargs="*", default=["/bench/bare/", "/", "/operations/"])
    parser.add_argument(
        "--profile", type=int, metavar="N", help="also print the N costliest functions (cProfile)"
    )
    parser.add_argument(
        "--user",
        default="admin",
        help="whose pages (default admin, who sees everything; 'manager' is a member of the "
        "team whose incidents the benchmark seeds, so each read goes through their object "
        "permissions)",
    )
    parser.add_argument(
        "--sort", default="cumulative", choices=("cumulative", "tottime"), help="for --profile"
    )
    parser.add_argument(
        "--queries", action="store_true", help="also print each query's median round trip"
    )
    parser.add_argument(
        "--panels",
        action="store_true",
        help="also print what building each panel costs (time, queries, round trips)",
    )
    args = parser.parse_args()
    env.production_environment(env.bench_url(os.environ.get("DATABASE_URL")))
    env.setup_django(migrate=False)
    from bench.pages import day_after_data, reading_pages

    # as the pages benchmark reads them (its full size)
    with reading_pages(day_after_data(data.shape_for(1_000_000))) as client:
        from django.contrib.auth import get_user_model

        user = get_user_model().objects.get(username=args.user)
        if args.user != "admin":
            client.force_login(user)
        for url in args.urls:
            c = page_costs(url, client)
            print(
                f"{url}: {c['total_ms']:.1f} ms, {c['queries']:.0f} queries, database round "
                f"trips {c['db_ms']:.1f} ms, compiling the SQL {c['compile_ms']:.1f} ms",
                flush=True,
            )
            if args.profile:
                profile(url, client, args.profile, args.sort)
            if args.queries:
                query_costs(url, client)
        if args.panels:
            for panel in panel_costs(user):
                print(
                    f"panel {panel['panel']} (on {', '.join(panel['pages'])}): "
                    f"{panel['total_ms']:.1f} ms, {panel['queries']:.0f} queries, database "
                    f"round trips {panel['db_ms']:.1f} ms",
                    flush=True,
                )


def query_costs(url: str, client: Any) -> None:
    """Each query the page sends, in order, with its median round trip over ``REQUESTS``."""
    from django.db import connection

    trips: list[tuple[str, float]] = []
    runs: list[list[tuple[str, float]]] = []
    with connection.execute_wrapper(_recording(trips)):
        for _ in range(REQUESTS):
            trips.clear()
            client.get(url)
            runs.append(list(trips))
    for position, (sql, _seconds) in enumerate(runs[0]):
        times = [run[position][1] for run in runs if len(run) > position]
        print(f"  {statistics.median(times) * 1000:6.2f} ms  {' '.join(sql.split())[:150]}")


def profile(url: str, client: Any, lines: int, sort: str) -> None:
    """The functions where ``REQUESTS`` requests of the page spend their time, costliest first
    by ``sort``: ``cumulative`` (their own time plus what they call) or ``tottime``."""
    import cProfile
    import pstats

    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(REQUESTS):
        client.get(url)
    profiler.disable()
    pstats.Stats(profiler).sort_stats(sort).print_stats(lines)


if __name__ == "__main__":
    main()
