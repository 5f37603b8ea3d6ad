"""Cached panels (``mops.panel_cache``) are served only while no transaction has written a table
they read since they were built: whatever wrote it, committed before or after they were built,
and whoever's permissions changed."""

from __future__ import annotations

import re
import threading

import pytest
from django.apps import apps
from django.conf import settings
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from guardian.shortcuts import remove_perm
from guardian.utils import get_group_obj_perms_model

from mops import table_changes
from mops.models import TableChange
from operations.models import Incident
from tests.conftest import other_connection, restore_reference_data
from tests.operations.incident_support import S, make_incident, severity_policy

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@pytest.fixture
def ops(org, client):
    restore_reference_data()
    severity_policy(None, "sev1", ack=5, after=5)
    client.force_login(org["users"]["ops"])
    return client


def _overview(client, url: str = "/") -> tuple[str, int]:
    """The overview's (or ``url``'s) HTML without what differs between any two responses (the
    masked CSRF token, the CSP nonce), and its query count."""
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    html = re.sub(
        r'(name="csrf-token" content|name="csrfmiddlewaretoken" value|nonce)="[^"]*"',
        r"\1",
        response.content.decode(),
    )
    return html, len(ctx.captured_queries)


def test_every_table_of_every_model_has_the_trigger():
    tables = {model._meta.db_table for model in apps.get_models(include_auto_created=True)}
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
            "WHERE t.tgname = %s",
            [table_changes.TRIGGER],
        )
        triggered = {name for (name,) in cursor.fetchall()}
    assert tables - table_changes.UNTRACKED <= triggered
    assert not triggered & table_changes.UNTRACKED


def test_a_write_records_its_table_once_per_transaction(org):
    team = org["teams"][S]
    TableChange.objects.all().delete()
    with transaction.atomic():
        make_incident(org, title="one")
        make_incident(org, title="two")
        Incident.objects.filter(team=team).update(title="three")
    with connection.cursor() as cursor:
        cursor.execute("UPDATE operations_incident SET title = 'four'")
    rows = list(TableChange.objects.filter(table="operations_incident").values_list("xid"))
    assert len(rows) == 2  # two transactions: the atomic block, the raw UPDATE


def test_the_second_overview_is_served_from_the_cache_and_is_the_same_page(ops, org):
    make_incident(org, title="Tag manager down", severity="sev1")
    first, built = _overview(ops)
    second, served = _overview(ops)
    assert "Tag manager down" in first
    assert second == first
    assert served < built - 5  # the panels' queries are not sent


@pytest.mark.parametrize(
    "write",
    [
        "orm",
        "update",
        "raw",
    ],
)
def test_any_write_to_a_table_a_panel_read_shows_on_the_next_overview(ops, org, write):
    incident = make_incident(org, title="Tag manager down", severity="sev1")
    assert "Tag manager down" in _overview(ops)[0]
    if write == "orm":
        incident.title = "Pixel lost"
        incident.save()
    elif write == "update":
        Incident.objects.filter(pk=incident.pk).update(title="Pixel lost")
    else:
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE operations_incident SET title = 'Pixel lost' WHERE id = %s", [incident.pk]
            )
    html = _overview(ops)[0]
    assert "Pixel lost" in html and "Tag manager down" not in html


def test_a_write_committed_after_the_panel_was_built_is_not_missed(ops, org):
    """A transaction that wrote the table before a later one committed, and commits itself only
    after the panel was built and cached: the panel read the later write, not the earlier one.
    A version number (the highest change seen) would be the same after the commit; the
    snapshot the panel was built in does not contain the earlier transaction."""
    incident = make_incident(org, title="Tag manager down", severity="sev1")
    other = other_connection()
    try:
        with other.cursor() as cursor:
            cursor.execute(
                "UPDATE operations_incident SET title = 'Pixel lost' WHERE id = %s", [incident.pk]
            )
        make_incident(org, title="CRM sync late", severity="sev1")  # committed at once
        html = _overview(ops)[0]  # built and cached while the update is not committed
        assert "CRM sync late" in html and "Tag manager down" in html
        other.commit()
    finally:
        other.close()
    html = _overview(ops)[0]
    assert "Pixel lost" in html and "Tag manager down" not in html


def test_a_write_committed_while_the_panel_is_built_is_not_missed(ops, org, monkeypatch):
    """The snapshot is taken before the panel's reads: a transaction committing between the
    reads and the end of the build is not in it."""
    from mops.registry import Panel, overview_panels

    incident = make_incident(org, title="Tag manager down", severity="sev1")
    other = other_connection()
    name = "operations.incidents"
    panel = overview_panels.entries[name]

    def build_then_commit(request):
        context = panel.build(request)
        if not other.closed:
            other.commit()  # after this panel's reads
            other.close()
        return context

    try:
        with other.cursor() as cursor:
            cursor.execute(
                "UPDATE operations_incident SET title = 'Pixel lost' WHERE id = %s", [incident.pk]
            )
        monkeypatch.setitem(overview_panels.entries, name, Panel(build_then_commit, panel.pages))
        assert "Tag manager down" in _overview(ops)[0]
    finally:
        other.close()
    html = _overview(ops)[0]
    assert "Pixel lost" in html and "Tag manager down" not in html


def test_the_triage_pages_database_parts_are_cached_until_a_table_they_read_changes(ops, org):
    """The check grid, the filter bar's lists and the severity policies of the triage page and
    board (``operations.views.triage``) are cached for the user: a check's new state, a new
    tool and a changed policy each show on the next page."""
    from datetime import timedelta

    from django.utils import timezone

    from mops.permissions import grant_team_access
    from operations.models import Check, SeverityPolicy
    from tests.operations.incident_support import make_tool

    team = org["teams"][S]
    tool = make_tool(team, name="GTM")
    check = Check.objects.create(
        name="Tag fires", kind="http", url="https://example.com", tool=tool, team=team
    )
    grant_team_access(team, check)
    Check.objects.filter(pk=check.pk).update(state="up")
    incident = make_incident(org, title="Tag manager down", severity="sev1")
    Incident.objects.filter(pk=incident.pk).update(
        triggered_at=timezone.now() - timedelta(minutes=10)
    )
    first, built = _overview(ops, "/operations/")
    second, served = _overview(ops, "/operations/")
    assert second == first and served < built  # the parts' queries are not sent
    assert ">1 up</span>" in first and 'data-count="overdue">1<' in first  # past its 5 minutes
    Check.objects.filter(pk=check.pk).update(state="down")
    assert ">1 down</span>" in _overview(ops, "/operations/triage/board/")[0]
    make_tool(team, name="Braze")
    assert ">Braze</option>" in _overview(ops, "/operations/")[0]
    SeverityPolicy.objects.filter(team=None, severity="sev1").update(ack_minutes=60)
    html = _overview(ops, "/operations/triage/board/")[0]
    assert 'data-count="overdue">0<' in html and "ops-row-overdue" not in html


def test_losing_a_permission_shows_on_the_next_overview(ops, org):
    incident = make_incident(org, title="Tag manager down", severity="sev1")
    assert "Tag manager down" in _overview(ops)[0]
    # the incident's view permission held by the team's group
    group = org["teams"][S].group
    assert get_group_obj_perms_model(incident).objects.filter(group=group).exists()
    remove_perm("operations.view_incident", group, incident)
    assert "Tag manager down" not in _overview(ops)[0]


def test_each_language_has_its_own_entry(ops, org):
    english = _overview(ops)[0]
    ops.cookies[settings.LANGUAGE_COOKIE_NAME] = "ja"
    japanese = _overview(ops)[0]
    assert "No open incidents." in english and "No open incidents." not in japanese
    ops.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    assert _overview(ops)[0] == english


def test_nothing_is_stored_inside_a_transaction(ops, org, monkeypatch):
    from mops import panel_cache

    stored: list[dict] = []
    monkeypatch.setattr(
        panel_cache.cache, "set_many", lambda entries, timeout: stored.append(entries)
    )
    make_incident(org, title="Tag manager down", severity="sev1")
    with transaction.atomic():
        assert "Tag manager down" in _overview(ops)[0]
    assert stored == []
    assert "Tag manager down" in _overview(ops)[0]
    assert len(stored) == 1 and all(key.startswith("mops:panel:") for key in stored[0])


def test_reads_that_write_or_read_an_untracked_table_are_not_cacheable(org):
    with table_changes.recording_reads() as reads:
        list(Incident.objects.all())
    assert reads.tables() == {"operations_incident"}
    with table_changes.recording_reads() as reads:
        list(Incident.objects.all())
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM django_session")
    assert reads.tables() is None
    with table_changes.recording_reads() as reads:
        Incident.objects.filter(pk=0).update(title="x")
    assert reads.tables() is None


def test_pruning_keeps_what_a_live_entry_can_need(org, settings, monkeypatch):
    from django.core.cache import cache

    settings.PANEL_CACHE_SECONDS = 60
    cache.delete(table_changes.HORIZON_KEY)
    make_incident(org, title="before the first run")
    start = 1_000_000.0
    clock = [start]
    monkeypatch.setattr(table_changes, "_clock", lambda: clock[0])
    assert table_changes.prune() == 0  # records the horizon: the current xmin
    make_incident(org, title="after the first run")
    clock[0] = start + 90
    # the horizon is younger than an entry can live (60 s) and be built (BUILD_MARGIN)
    assert table_changes.prune() == 0
    horizon = cache.get(table_changes.HORIZON_KEY)[1]
    later = set(TableChange.objects.filter(xid__gte=horizon).values_list("pk", flat=True))
    assert later  # the second incident's rows
    clock[0] = start + settings.PANEL_CACHE_SECONDS + table_changes.BUILD_MARGIN
    # rows of transactions before the horizon go (those of the first incident), the later stay
    assert table_changes.prune() > 0
    assert not TableChange.objects.filter(xid__lt=horizon).exists()
    assert later <= set(TableChange.objects.values_list("pk", flat=True))
    assert cache.get(table_changes.HORIZON_KEY)[1] >= horizon  # the next horizon


def test_the_overview_stays_correct_under_concurrent_writes(ops, org):
    """Writers in other threads commit while the overview is read: after they are done, the page
    shows every write."""
    errors: list[BaseException] = []

    def writer(n: int) -> None:
        try:
            for i in range(5):
                make_incident(org, title=f"writer {n} incident {i}", severity="sev1")
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(2)]
    for thread in threads:
        thread.start()
    for _ in range(10):
        _overview(ops)
    for thread in threads:
        thread.join()
    assert not errors
    assert "(10 open)" in _overview(ops)[0]
