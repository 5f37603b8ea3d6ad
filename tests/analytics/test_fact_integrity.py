"""The fact table's references without foreign-key constraints: deletes still cascade, protect
and null; a load locks what it references so a concurrent delete cannot leave orphan facts."""

from __future__ import annotations

import datetime as dt
import threading
import time

import psycopg2
import pytest
from django.db import IntegrityError, connection, transaction
from django.db.models import ProtectedError

from analytics.models import BatchKind, Campaign, ImportBatch, Metric, MetricFact
from analytics.services.campaigns import create_campaign
from analytics.services.facts import upsert_facts
from tests.conftest import other_connection


def rows(campaign_id, metric_id, days=3):
    first = dt.date(2026, 11, 1)
    return [
        (campaign_id, first + dt.timedelta(days=i), metric_id, "api", float(i)) for i in range(days)
    ]


@pytest.fixture
def keys(teams):
    campaign = create_campaign(team=teams["digital-marketing"], name="Locked", code="locked")
    return campaign, Metric.objects.get(key="clicks")


@pytest.mark.django_db
def test_deleting_a_campaign_deletes_its_facts_only(keys, teams):
    campaign, metric = keys
    other = create_campaign(team=teams["digital-marketing"], name="Other", code="other")
    upsert_facts(rows(campaign.pk, metric.pk) + rows(other.pk, metric.pk), batch_id=None)
    campaign.delete()
    assert set(MetricFact.objects.values_list("campaign_id", flat=True)) == {other.pk}


@pytest.mark.django_db
def test_a_metric_with_facts_is_protected(keys):
    campaign, metric = keys
    upsert_facts(rows(campaign.pk, metric.pk), batch_id=None)
    with pytest.raises(ProtectedError):
        metric.delete()
    assert Metric.objects.filter(pk=metric.pk).exists()
    assert MetricFact.objects.filter(metric=metric).count() == 3


@pytest.mark.django_db
def test_deleting_a_batch_keeps_its_facts_without_a_batch(keys):
    campaign, metric = keys
    batch = ImportBatch.objects.create(kind=BatchKind.API)
    upsert_facts(rows(campaign.pk, metric.pk), batch_id=batch.pk)
    batch.delete()
    assert list(MetricFact.objects.values_list("batch_id", flat=True)) == [None] * 3


@pytest.mark.django_db
def test_a_load_referencing_a_deleted_campaign_writes_nothing(keys):
    campaign, metric = keys
    gone = campaign.pk
    campaign.delete()
    with pytest.raises(IntegrityError), transaction.atomic():
        upsert_facts(rows(gone, metric.pk), batch_id=None)
    assert not MetricFact.objects.exists()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_running_load_holds_a_key_share_lock_on_its_campaign(keys):
    campaign, metric = keys
    other = other_connection()
    try:
        with transaction.atomic():
            upsert_facts(rows(campaign.pk, metric.pk), batch_id=None)
            with other.cursor() as cursor, pytest.raises(psycopg2.errors.LockNotAvailable):
                cursor.execute(
                    "SELECT id FROM analytics_campaign WHERE id = %s FOR UPDATE NOWAIT",
                    [campaign.pk],
                )
            other.rollback()
            with other.cursor() as cursor:  # a non-key update of the campaign is not blocked
                cursor.execute(
                    "SELECT id FROM analytics_campaign WHERE id = %s FOR NO KEY UPDATE NOWAIT",
                    [campaign.pk],
                )
            other.rollback()
        with other.cursor() as cursor:  # committed: the lock is gone
            cursor.execute(
                "SELECT id FROM analytics_campaign WHERE id = %s FOR UPDATE NOWAIT",
                [campaign.pk],
            )
            assert cursor.fetchall() == [(campaign.pk,)]
        other.rollback()
    finally:
        other.close()


def _wait_until_blocked(pid_holder: list[int]) -> None:
    """Until the deleting connection waits on a row lock (polled, at most 30 s)."""
    for _ in range(300):
        if pid_holder:
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT wait_event_type FROM pg_stat_activity WHERE pid = %s", [pid_holder[0]]
                )
                row = cursor.fetchone()
            if row and row[0] == "Lock":
                return
        time.sleep(0.1)
    raise AssertionError("the delete never waited for the load")


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_campaign_delete_waits_for_a_running_load_and_leaves_no_orphans(keys):
    campaign, metric = keys
    upsert_facts(rows(campaign.pk, metric.pk, days=2), batch_id=None)
    pid: list[int] = []
    failures: list[BaseException] = []

    def delete_campaign() -> None:
        try:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_backend_pid()")
                pid.append(cursor.fetchone()[0])
            Campaign.objects.get(pk=campaign.pk).delete()
        except BaseException as error:
            failures.append(error)
        finally:
            connection.close()

    with transaction.atomic():
        upsert_facts(rows(campaign.pk, metric.pk, days=5), batch_id=None)  # 3 new facts
        deleter = threading.Thread(target=delete_campaign)
        deleter.start()
        _wait_until_blocked(pid)
    deleter.join(timeout=30)
    assert not deleter.is_alive()
    assert not failures
    assert not Campaign.objects.filter(pk=campaign.pk).exists()
    assert not MetricFact.objects.filter(campaign_id=campaign.pk).exists()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_load_after_a_pending_campaign_delete_waits_and_then_writes_nothing(keys):
    campaign, metric = keys
    other = other_connection()
    try:
        with other.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            (other_pid,) = cursor.fetchone()
            cursor.execute(
                "SELECT id FROM analytics_campaign WHERE id = %s FOR UPDATE", [campaign.pk]
            )
        failures: list[BaseException] = []

        def load() -> None:
            try:
                upsert_facts(rows(campaign.pk, metric.pk), batch_id=None)
            except BaseException as error:
                failures.append(error)
            finally:
                connection.close()

        loader = threading.Thread(target=load)
        loader.start()
        waiting: list[int] = []
        for _ in range(300):  # the loader's backend is blocked by the deleter's lock
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT pid FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                    "AND %s = ANY(pg_blocking_pids(pid))",
                    [other_pid],
                )
                waiting = [r[0] for r in cursor.fetchall()]
            if waiting:
                break
            time.sleep(0.1)
        assert waiting
        with other.cursor() as cursor:
            cursor.execute("DELETE FROM analytics_campaign WHERE id = %s", [campaign.pk])
        other.commit()
        loader.join(timeout=30)
        assert not loader.is_alive()
        assert len(failures) == 1 and isinstance(failures[0], IntegrityError)
        assert not MetricFact.objects.filter(campaign_id=campaign.pk).exists()
    finally:
        other.close()
