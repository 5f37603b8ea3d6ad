"""The benchmark's own PostgreSQL database, production settings, and the seeded organisation."""

from __future__ import annotations

import os
import secrets
import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit, urlunsplit

SEED_CAMPAIGNS_MAX = 1000


class BenchError(SystemExit):
    pass


def bench_url(url: str | None) -> str:
    """The URL of the benchmark's database beside the one ``DATABASE_URL`` names."""
    if not url or not url.startswith(("postgres://", "postgresql://")):
        raise BenchError(
            "make bench needs DATABASE_URL pointing at PostgreSQL, e.g. "
            "DATABASE_URL=postgres://postgres@127.0.0.1:5432/mops make bench"
        )
    parts = urlsplit(url)
    name = parts.path.lstrip("/") or "mops"
    if not name.endswith("_bench"):
        name = f"{name}_bench"
    return urlunsplit(parts._replace(path=f"/{name}"))


def recreate_database(url: str) -> None:
    """Drop and create the benchmark database (never the one DATABASE_URL names)."""
    import psycopg2

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    assert name.endswith("_bench")
    admin = urlunsplit(parts._replace(path="/postgres"))
    conn = psycopg2.connect(admin)
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        cur.execute(f'CREATE DATABASE "{name}"')
    conn.close()


def production_environment(url: str) -> None:
    """Production settings (DEBUG off), as DESIGN.md asks of the benchmarks."""
    os.environ["DATABASE_URL"] = url
    os.environ["DEBUG"] = "false"
    os.environ.setdefault("SECRET_KEY", secrets.token_urlsafe(60))
    os.environ["ALLOWED_HOSTS"] = "127.0.0.1,localhost,testserver"
    os.environ.pop("REDIS_URL", None)  # tasks run eagerly; no broker in the measurements
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mops.settings")
    os.environ.setdefault("LOG_LEVEL", "WARNING")


def quiet_missing_static() -> None:
    """WhiteNoise warns that no static files are collected (a checkout has run no
    ``collectstatic``); the benchmarks time the server without them."""
    import warnings

    warnings.filterwarnings("ignore", message="No directory at", module="django.core.handlers")


def setup_django(migrate: bool) -> None:
    import django

    quiet_missing_static()
    django.setup()
    if migrate:
        from django.core.management import call_command

        call_command("migrate", verbosity=0, interactive=False)


def seed(campaigns: int = SEED_CAMPAIGNS_MAX) -> dict[str, Any]:
    """Users, teams and ``campaigns`` campaigns (codes bench-c00000…, Japanese names)."""
    from guardian.models import GroupObjectPermission

    from analytics.models import Campaign
    from bench.data import campaign_code, campaign_name
    from mops.management.commands.seed_demo import seed_core

    org = seed_core()
    team = org["teams"]["digital-marketing"]
    have = set(Campaign.objects.values_list("code", flat=True))
    new = [
        Campaign(team=team, code=campaign_code(i), name=campaign_name(i))
        for i in range(campaigns)
        if campaign_code(i) not in have
    ]
    Campaign.objects.bulk_create(new, batch_size=1000)
    if new:
        from django.contrib.auth.models import Permission
        from django.contrib.contenttypes.models import ContentType

        ct = ContentType.objects.get_for_model(Campaign)
        perms = Permission.objects.filter(
            content_type=ct, codename__in=["view_campaign", "change_campaign", "delete_campaign"]
        )
        created = Campaign.objects.filter(code__in=[c.code for c in new])
        GroupObjectPermission.objects.bulk_create(
            [
                GroupObjectPermission(
                    group=team.group, permission=p, content_type=ct, object_pk=str(c.pk)
                )
                for c in created
                for p in perms
            ],
            batch_size=2000,
        )
    return org


def campaign_ids() -> list[int]:
    from analytics.models import Campaign
    from bench.data import campaign_code

    by_code = dict(Campaign.objects.values_list("code", "id"))
    return [by_code[campaign_code(i)] for i in range(SEED_CAMPAIGNS_MAX)]


def metric_ids() -> list[int]:
    from analytics.models import Metric
    from bench.data import METRICS

    by_key = dict(Metric.objects.values_list("key", "id"))
    return [by_key[k] for k in METRICS]


def execute(sql: str, params: Any = None) -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def truncate_facts() -> None:
    from analytics.models import MetricFact

    execute(f"TRUNCATE {MetricFact._meta.db_table}")


@dataclass(frozen=True)
class Step:
    """One timed part of a benchmark round: ``before`` runs untimed, then ``run`` is timed."""

    name: str
    run: Callable[[], Any]
    before: Callable[[], Any] | None = None


def median_times(steps: Sequence[Step], reps: int) -> tuple[dict[str, float], dict[str, Any]]:
    """Each step's median wall time over ``reps`` rounds that run every step in turn, and what
    its last run returned. A figure and its baseline are steps of the same rounds, so a change
    in the machine's load hits both alike instead of only what was timed while it lasted."""
    times: dict[str, list[float]] = {step.name: [] for step in steps}
    returned: dict[str, Any] = {}
    for _ in range(reps):
        for step in steps:
            if step.before is not None:
                step.before()
            start = time.perf_counter()
            returned[step.name] = step.run()
            times[step.name].append(time.perf_counter() - start)
    return {name: statistics.median(values) for name, values in times.items()}, returned


def median_time(fn: Callable[[], Any], reps: int, before: Callable[[], Any] | None = None) -> float:
    """Median wall time of ``fn`` over ``reps`` runs; ``before`` runs untimed before each."""
    return median_times([Step("run", fn, before)], reps)[0]["run"]


def quiet_facts_changed() -> None:
    """Disconnect the KPI recompute from loads: it is benchmarked separately (see wsgi.py)."""
    from analytics.signals import facts_changed

    facts_changed.receivers.clear()
    facts_changed.sender_receivers_cache.clear()


def peak_rss_mib() -> float:
    """This process's peak resident set size (``VmHWM`` in /proc, else getrusage)."""
    try:
        with open("/proc/self/status") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def truncate_facts_sqlite() -> None:
    from analytics.models import MetricFact

    execute(f"DELETE FROM {MetricFact._meta.db_table}")  # noqa: S608
