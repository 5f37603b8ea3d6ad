"""The panels a page shows (``mops.registry.overview_panels``) and the parts of a page that only
the database changes, built and cached per user.

Building a panel reads several tables through the user's permissions: the overview's five take
most of its time, and most requests find them unchanged. Each panel's HTML (and each part given
to ``cached``) is cached per user, language and time zone, with the snapshot taken before it was
built and the tables its queries read (``mops.table_changes``). It is served while no
transaction has written one of those tables since that snapshot, and for
``PANEL_CACHE_SECONDS`` at most, which bounds what only the clock changes in a panel (relative
times, overdue flags). The roles and object permissions are read from elsewhere (the role
cache, the session's user), so their tables always count as read.

Nothing is cached on SQLite (no statement-level triggers), with ``PANEL_CACHE_SECONDS=0``, inside
a transaction (its own writes are read before they are committed, and may be rolled back), or
when the cache fails.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import partial
from typing import Any, NamedTuple, TypeVar

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.safestring import mark_safe

from . import table_changes

logger = logging.getLogger(__name__)
T = TypeVar("T")

# Read for every panel, if not by its own queries then by the request's user and role cache
ALWAYS_READ = frozenset(
    {
        "auth_user",
        "auth_user_groups",
        "auth_user_user_permissions",
        "auth_group",
        "auth_group_permissions",
        "auth_permission",
        "guardian_userobjectpermission",
        "guardian_groupobjectpermission",
        "mops_team",
        "mops_teammembership",
    }
)


class Entry(NamedTuple):
    """A built value as cached: a panel's section and HTML, a part of a page."""

    snapshot: str  # taken before it was built
    tables: frozenset[str]  # what it read
    value: Any


def _render(panel: Any, request: HttpRequest) -> tuple[str, str]:
    """The panel's section and HTML for this request ("" when it has nothing to show)."""
    context = panel.build(request)
    if not context:
        return "", ""
    html = render_to_string(context["template"], {"panel": context}, request=request)
    return context["section"], html


def _key(name: str, request: HttpRequest) -> str:
    language = translation.get_language()
    zone = timezone.get_current_timezone_name()
    return f"mops:panel:{name}:{request.user.pk}:{language}:{zone}"


def _caching(request: HttpRequest) -> bool:
    return (
        settings.PANEL_CACHE_SECONDS > 0
        and getattr(request.user, "is_authenticated", False)
        # a transaction's own writes are read before they are committed, and may be rolled back
        and not connection.in_atomic_block
        and table_changes.available()
    )


def _cached(keys: list[str]) -> dict[str, Entry]:
    try:
        found = cache.get_many(keys)
    except Exception:
        logger.exception("panel cache unavailable: building the panels")
        return {}
    current = {key: entry for key, entry in found.items() if isinstance(entry, Entry)}
    stale = table_changes.stale({key: (e.snapshot, e.tables) for key, e in current.items()})
    return {key: entry for key, entry in current.items() if key not in stale}


def rendered_panels(panels: list[tuple[str, Any]], request: HttpRequest) -> list[dict[str, Any]]:
    """``[(name, Panel)]`` rendered for this request: ``[{"section", "html"}]`` of those with
    something to show, in order."""
    rendered = cached(request, {name: partial(_render, panel, request) for name, panel in panels})
    # rendered by the panels' templates, escaped there
    return [
        {"section": section, "html": mark_safe(html)}  # noqa: S308
        for section, html in rendered.values()
        if html
    ]


def cached(request: HttpRequest, builds: dict[str, Callable[[], T]]) -> dict[str, T]:
    """What each of ``builds`` (by a name unique to the project) gives for this request, in
    order: from the cache where it is current, else built (and stored). A build returns a value
    that pickles and holds its reads already made (HTML, lists), and may not write."""
    if not _caching(request):
        return {name: build() for name, build in builds.items()}
    keys = {name: _key(name, request) for name in builds}
    found = _cached(list(keys.values()))
    built: dict[str, Entry] = {}
    taken: str | None = None  # one snapshot, before the first build, serves every build after it
    values = {}
    for name, build in builds.items():
        entry = found.get(keys[name])
        if entry is None:
            taken = taken or table_changes.snapshot()
            with table_changes.recording_reads() as reads:
                value = build()
            tables = reads.tables(also=ALWAYS_READ)
            entry = Entry(taken, tables or frozenset(), value)
            if tables is not None:
                built[keys[name]] = entry
        values[name] = entry.value
    if built:
        try:
            cache.set_many(built, settings.PANEL_CACHE_SECONDS)
        except Exception:
            logger.exception("panel cache unavailable: the panels were not stored")
    return values
