"""Which tables a transaction wrote, so that cached results can be checked against them exactly.

On PostgreSQL a statement-level trigger on every table (installed after each ``migrate``) adds a
row to ``mops_tablechange`` naming the table and the writing transaction, once per (table,
transaction), whatever wrote it: the ORM, ``update()``, bulk writes, COPY, raw SQL. A cached
result is stored with the snapshot taken before it was computed (``pg_current_snapshot()``) and
the tables its queries read. It is current while every transaction that wrote one of those
tables is visible in that snapshot: the rows are committed with the writes they record, so there
is no window in which a concurrent read can cache old data under a new version, as a counter
bumped before or after commit allows.

SQLite has no statement-level triggers: there ``available()`` is False and nothing is cached.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import connection, connections

TRIGGER = "mops_table_change"
FUNCTION = "mops_note_table_change"  # FUNCTION_SQL creates it
LOG = "mops_tablechange"  # TableChange's table, named as it is in the SQL below
# Sessions are written by most requests and read by no cached result.
UNTRACKED = frozenset({LOG, "django_session"})
HORIZON_KEY = "mops:table_changes:horizon"
# An entry is stored a build after its snapshot (milliseconds): a horizon this much older than
# the longest an entry lives is older than the snapshot of every entry still alive.
BUILD_MARGIN = 60
_clock = time.time  # seconds, for the horizon's age (replaced in tests)

FUNCTION_SQL = """
CREATE OR REPLACE FUNCTION mops_note_table_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO mops_tablechange ("table", xid)
    VALUES (TG_TABLE_NAME, pg_current_xact_id()::text::bigint)
    ON CONFLICT ("table", xid) DO NOTHING;
    RETURN NULL;
END
$$
"""

# (every table, the tables with the trigger) of this process's database, read once
_tables: tuple[frozenset[str], frozenset[str]] | None = None
_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_$]*")
# what a read may send besides SELECT (transaction.atomic inside a read)
_READ_STATEMENTS = ("SELECT", "SAVEPOINT", "RELEASE SAVEPOINT")


def available() -> bool:
    return connection.vendor == "postgresql" and LOG in _known()[0]


def _catalogue(db: Any) -> list[tuple[str, bool, bool]]:
    """(name, is a table, has the trigger) of every table and view in the current schema."""
    with db.cursor() as cursor:
        cursor.execute(
            """
            SELECT c.relname, c.relkind IN ('r', 'p'), EXISTS (
                SELECT 1 FROM pg_trigger t WHERE t.tgrelid = c.oid AND t.tgname = %s)
            FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p', 'v', 'm')
            """,
            [TRIGGER],
        )
        return cursor.fetchall()


def install(sender: Any = None, using: str = "default", **kwargs: Any) -> None:
    """post_migrate: the trigger function, and the trigger on every table that lacks it (a
    table a later migration adds gets it at the end of that migration)."""
    global _tables
    db = connections[using]
    if db.vendor != "postgresql" or LOG not in db.introspection.table_names():
        return
    lacking = [
        name
        for name, is_table, has_trigger in _catalogue(db)
        if is_table and not has_trigger and name not in UNTRACKED
    ]
    quote = db.ops.quote_name
    with db.cursor() as cursor:
        cursor.execute(FUNCTION_SQL)
        for table in lacking:
            cursor.execute(
                f"CREATE TRIGGER {TRIGGER} AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE "
                f"ON {quote(table)} FOR EACH STATEMENT EXECUTE FUNCTION {FUNCTION}()"
            )
    _tables = None


def _known() -> tuple[frozenset[str], frozenset[str]]:
    """(every table and view, the tracked tables), read once per process: a table created later
    by another process is unknown here, so what reads it is not cached (never served stale)."""
    global _tables
    if _tables is None:
        rows = _catalogue(connection)
        _tables = (
            frozenset(name for name, _table, _trigger in rows),
            frozenset(name for name, _table, has_trigger in rows if has_trigger),
        )
    return _tables


def snapshot() -> str:
    """The current snapshot, to be taken before the reads whose result is cached."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_current_snapshot()::text")
        return cursor.fetchone()[0]


class Reads:
    """The SQL sent inside ``recording_reads()``; ``tables()`` names the tables it read, or is
    None when the result cannot be checked: a statement that is not a read, or a table without
    the trigger."""

    def __init__(self) -> None:
        self.statements: list[str] = []

    def __call__(self, execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        self.statements.append(sql)
        return execute(sql, params, many, context)

    def tables(self, also: frozenset[str] = frozenset()) -> frozenset[str] | None:
        """The tables read, with ``also`` (tables read elsewhere that the result depends on)."""
        every, tracked = _known()
        read = set(also)
        for sql in self.statements:
            if not sql.lstrip().upper().startswith(_READ_STATEMENTS):
                return None
            read.update(word for word in _WORD.findall(sql) if word in every)
        return frozenset(read) if read <= tracked else None


@contextmanager
def recording_reads() -> Iterator[Reads]:
    reads = Reads()
    with connection.execute_wrapper(reads):
        yield reads


def stale(entries: dict[str, tuple[str, frozenset[str]]]) -> set[str]:
    """Of ``{key: (snapshot, tables)}``, the keys some transaction has written one of whose
    tables since (not visible in) its snapshot. One query for all of them."""
    if not entries:
        return set()
    records = [
        {"k": key, "snap": snap, "tables": sorted(tables)}
        for key, (snap, tables) in entries.items()
    ]
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT e.k FROM jsonb_to_recordset(%s::jsonb) AS e(k text, snap text, tables text[])
            WHERE EXISTS (
                SELECT 1 FROM mops_tablechange c
                WHERE c."table" = ANY(e.tables)
                  AND c.xid >= pg_snapshot_xmin(e.snap::pg_snapshot)::text::bigint
                  AND NOT pg_visible_in_snapshot(c.xid::text::xid8, e.snap::pg_snapshot))
            """,
            [json.dumps(records)],
        )
        return {key for (key,) in cursor.fetchall()}


def prune() -> int:
    """Delete the rows no cached result can still need; returns how many.

    A result is kept ``PANEL_CACHE_SECONDS`` at most after it is stored, and only rows of
    transactions at or after its snapshot's xmin can make it stale. The oldest running
    transaction (the xmin) only moves forward, so rows below the xmin of a snapshot taken longer
    ago than that (and ``BUILD_MARGIN``) are needed by nothing alive. Each run records the
    current xmin; a later run deletes below the recorded one once it is old enough."""
    if not available():
        return 0
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_snapshot_xmin(pg_current_snapshot())::text::bigint")
        xmin = cursor.fetchone()[0]
        recorded = cache.get(HORIZON_KEY)
        now = _clock()
        deleted = 0
        lives = settings.PANEL_CACHE_SECONDS + BUILD_MARGIN
        if recorded is not None and now - recorded[0] < lives:
            return 0  # the recorded horizon is not old enough yet
        if recorded is not None:
            cursor.execute("DELETE FROM mops_tablechange WHERE xid < %s", [recorded[1]])
            deleted = cursor.rowcount
    cache.set(HORIZON_KEY, (now, xmin), None)
    return deleted
