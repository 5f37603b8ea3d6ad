"""pages: median server time of the main pages against a bare view rendering base.html, and
their query counts at small and large data."""

from __future__ import annotations

import datetime as dt
import statistics
import time
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from typing import Any

# (figure name, URL names to try): a page is measured when one of its names exists.
PAGES = (
    ("campaign_list", ("analytics:campaign_list",)),
    ("overview", ("home",)),
    ("triage", ("operations:triage", "operations:index")),
    # what each open triage page asks for every 5 s: the board alone
    ("triage_board", ("operations:triage_board",)),
    ("kpi_dashboard", ("governance:kpi_dashboard", "governance:kpi_list", "analytics:kpis")),
)
# The same pages as a member of the team whose incidents ``seed_incidents`` makes: the admin sees
# everything unfiltered, a member's every read goes through their object permissions.
MEMBER = "manager"
MEMBER_PAGES = ("overview", "triage", "triage_board")
# The pages with cached panels or parts (``mops.panel_cache``), also with all of them built for
# each request (as after a write to each table they read, or with PANEL_CACHE_SECONDS=0): the
# admin's, under the name ``<page>_built``.
BUILT_PAGES = ("overview", "triage", "triage_board")

STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    # static URLs without the collected manifest (not needed to time the server side)
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}


def day_after_data(shape: Any) -> dt.date:
    """The day the pages are read: the day after the generated data's last day, so the KPI
    board reads a week with facts in it."""
    from bench import data

    return data.FIRST_DAY + dt.timedelta(days=shape.days)


def noon(today: dt.date) -> dt.datetime:
    return dt.datetime.combine(today, dt.time(12), tzinfo=dt.UTC)


@contextmanager
def reading_pages(today: dt.date) -> Iterator[Any]:
    """A test client logged in as the admin user (who sees every team's data), with the clock
    at noon of ``today``, the bench URLs and plain static-file storage."""
    import time_machine
    from django.contrib.auth import get_user_model
    from django.test import Client, override_settings

    with (
        time_machine.travel(noon(today), tick=True),
        override_settings(ROOT_URLCONF="bench.urls", STORAGES=STORAGES),
    ):
        client = Client(HTTP_X_FORWARDED_PROTO="https", HTTP_HOST="127.0.0.1")
        client.force_login(get_user_model().objects.get(username="admin"))
        yield client


def available_pages() -> dict[str, str]:
    from django.test import override_settings
    from django.urls import NoReverseMatch, reverse

    found = {}
    with override_settings(ROOT_URLCONF="bench.urls"):
        for name, candidates in PAGES:
            for candidate in candidates:
                try:
                    found[name] = reverse(candidate)
                    break
                except NoReverseMatch:
                    continue
    return found


def seed_kpi_board(today: dt.date) -> int:
    """The demo's KPI definitions adopted by digital-marketing, each with a target for the week
    of ``today``: the overview's governance panel and the KPI list read each one's actual so far
    and its forecast (over 1,000,000 facts). Returns how many KPIs have a target."""
    from django.contrib.auth import get_user_model

    from analytics.models import Kpi
    from bench.recompute import seed_kpis
    from governance.models import KpiProfile
    from governance.periods import week_of
    from governance.services.kpis import adopt_kpi, set_target
    from mops.models import Team

    seed_kpis()
    team = Team.objects.get(slug="digital-marketing")
    owner = get_user_model().objects.get(username="manager")
    monday, sunday = week_of(today)
    for kpi in Kpi.objects.filter(is_active=True):
        profile = KpiProfile.objects.filter(kpi=kpi).first()
        profile = profile or adopt_kpi(kpi=kpi, team=team, owner=owner, direction="higher")
        if not profile.targets.filter(period_start=monday).exists():
            set_target(profile=profile, period_start=monday, period_end=sunday, value=100)
    return KpiProfile.objects.filter(targets__period_start=monday).count()


def measure(requests: int, today: dt.date) -> dict[str, Any]:
    """{"bare_ms", pages: {name: {"median_ms", "queries", "status"}}}, read as in
    ``reading_pages(today)``."""
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client, override_settings
    from django.test.utils import CaptureQueriesContext

    out: dict[str, Any] = {"pages": {}}
    with reading_pages(today) as admin:
        member = Client(HTTP_X_FORWARDED_PROTO="https", HTTP_HOST="127.0.0.1")
        member.force_login(get_user_model().objects.get(username=MEMBER))
        found = available_pages()
        cached: AbstractContextManager[Any] = nullcontext()
        built: AbstractContextManager[Any] = override_settings(PANEL_CACHE_SECONDS=0)
        urls = {
            "bare": (admin, "/bench/bare/", cached),
            **{name: (admin, url, cached) for name, url in found.items()},
            **{
                f"{name}_member": (member, found[name], cached)
                for name in MEMBER_PAGES
                if name in found
            },
            **{
                f"{name}_built": (admin, found[name], built)
                for name in BUILT_PAGES
                if name in found
            },
        }
        for client, url, panels in urls.values():
            with panels:
                client.get(url)  # warm caches, template loading, first-query plans
        # Rounds of every URL back to back, so a change in the machine's load hits the floor
        # and the pages alike (timing each URL's requests in a block of its own did not).
        times: dict[str, list[float]] = {name: [] for name in urls}
        for _ in range(requests):
            for name, (client, url, panels) in urls.items():
                with panels:
                    start = time.perf_counter()
                    client.get(url)
                    times[name].append(time.perf_counter() - start)
        for name, (client, url, panels) in urls.items():
            with panels, CaptureQueriesContext(connection) as queries:
                response = client.get(url)
            ms = statistics.median(times[name]) * 1000
            if name == "bare":
                out["bare_ms"], out["bare_queries"] = ms, len(queries)
            else:
                out["pages"][name] = {
                    "url": url,
                    "median_ms": ms,
                    "queries": len(queries),
                    "status": response.status_code,
                }
    return out


def seed_inventory() -> int:
    """The demo's tool inventory (tools, owners, checks, maintenance windows) and runbooks, as
    ``seed_demo`` makes them, so the board's check grid and the operations panels show a real
    inventory rather than their empty states. Returns how many tools there are."""
    import io

    from mops.registry import demo_seeders

    for name in ("operations.inventory", "operations.runbooks"):
        seeder = demo_seeders.entries.get(name)
        if seeder is not None:
            seeder(stdout=io.StringIO())
    try:
        from operations.models import Tool
    except ImportError:
        return 0
    return Tool.objects.count()


# After "triggered", what the services write of an incident that is no longer open, 10 minutes
# apart
LATER_STATES = {"resolved": ["resolved"], "closed": ["resolved", "closed"]}


def incident_timeline(incident: Any) -> list[Any]:
    """The state changes of ``incident``'s life as its events (the board lists the newest)."""
    from operations.models import EventKind, IncidentEvent

    states = ["triggered", *LATER_STATES.get(incident.state, [])]
    return [
        IncidentEvent(
            incident=incident,
            kind=EventKind.STATE_CHANGE,
            to_state=state,
            at=incident.triggered_at + dt.timedelta(minutes=10 * step),
        )
        for step, state in enumerate(states)
    ]


def seed_incidents(total: int, today: dt.date) -> int:
    """Incidents of the digital-marketing team until there are ``total`` (most of them closed,
    one in ten open, the latest an hour before noon of ``today``) with their state changes as
    events, visible to the team; 0 when operations has no incidents yet."""
    try:
        from operations.models import Incident, IncidentEvent
    except ImportError:
        return 0
    from django.contrib.auth.models import Permission
    from django.contrib.contenttypes.models import ContentType
    from django.db import connection
    from guardian.models import GroupObjectPermission

    from mops.models import Team

    team = Team.objects.get(slug="digital-marketing")
    have = Incident.objects.count()
    states = ["closed"] * 6 + ["resolved"] * 3 + ["triggered"]
    now = noon(today)  # the clock of measure()
    new = [
        Incident(
            title=f"Bench incident {i:05d}",
            severity=f"sev{1 + i % 4}",
            state=states[i % len(states)],
            team=team,
            source="manual",
            triggered_at=now - dt.timedelta(hours=i + 1),
        )
        for i in range(have, total)
    ]
    made = Incident.objects.bulk_create(new, batch_size=2000)
    IncidentEvent.objects.bulk_create(
        [event for incident in made for event in incident_timeline(incident)], batch_size=5000
    )
    ct = ContentType.objects.get_for_model(Incident)
    perms = list(Permission.objects.filter(content_type=ct, codename__startswith="view_"))
    perms += list(Permission.objects.filter(content_type=ct, codename__startswith="change_"))
    GroupObjectPermission.objects.bulk_create(
        [
            GroupObjectPermission(
                group=team.group, permission=p, content_type=ct, object_pk=str(incident.pk)
            )
            for incident in made
            for p in perms
        ],
        batch_size=5000,
    )
    # the statistics autovacuum would gather after such an insert: without them the planner
    # expects a handful of open incidents and sorts them all instead of reading the
    # urgent-first index in order
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {Incident._meta.db_table}")
        cursor.execute(f"ANALYZE {GroupObjectPermission._meta.db_table}")
        cursor.execute(f"ANALYZE {IncidentEvent._meta.db_table}")
    return Incident.objects.count()
