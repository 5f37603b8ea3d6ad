"""``GET /healthz``: database, cache, broker (when configured), pending migrations and backups.

``ok`` when everything answers, ``degraded`` (200) when only a non-essential part fails, ``fail``
(503) when the database is unreachable.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from django.conf import settings
from django.core.cache import cache
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.migrations.executor import MigrationExecutor
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET


def check_database() -> str:
    with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return "ok"


def check_migrations() -> str:
    connection = connections[DEFAULT_DB_ALIAS]
    executor = MigrationExecutor(connection)
    plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    return "ok" if not plan else f"{len(plan)} pending"


def check_cache() -> str:
    key = f"healthz:{time.monotonic_ns()}"
    cache.set(key, "1", 10)
    ok = cache.get(key) == "1"
    cache.delete(key)
    return "ok" if ok else "cache did not return the value it stored"


def check_broker() -> str:
    if not settings.REDIS_URL:
        return "eager"
    from mops.celery import app

    with app.connection_for_write() as conn:
        conn.ensure_connection(max_retries=1, timeout=2)
    return "ok"


STALE_BACKUP_HOURS = 48  # the nightly backup missed a night and more


def check_backups() -> str:
    """The newest backup in ``BACKUP_DIR``: stale when older than two days ("none yet" on a new
    installation, before the first night)."""
    from django.utils import timezone

    from .backups import list_backups

    backups = list_backups()
    if not backups:
        return "none yet"
    hours = (timezone.now() - backups[0].made_at).total_seconds() / 3600
    return "ok" if hours <= STALE_BACKUP_HOURS else f"newest backup is {hours:.0f} h old"


CHECKS: dict[str, Callable[[], str]] = {
    "database": check_database,
    "migrations": check_migrations,
    "cache": check_cache,
    "broker": check_broker,
    "backups": check_backups,
}
HEALTHY = {"ok", "eager", "none yet"}


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    results: dict[str, str] = {}
    for name, check in CHECKS.items():
        if name == "migrations" and results.get("database") != "ok":
            results[name] = "skipped: no database"
            continue
        try:
            results[name] = check()
        except Exception as exc:
            results[name] = f"error: {type(exc).__name__}: {exc}"[:200]
    if results["database"] != "ok":
        status, code = "fail", 503
    elif all(value in HEALTHY for value in results.values()):
        status, code = "ok", 200
    else:
        status, code = "degraded", 200
    return JsonResponse({"status": status, "checks": results}, status=code)
