"""The bulk writer: new keys insert-only, changed values updated, unchanged ones untouched."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from analytics.models import Metric, MetricFact
from analytics.services import bulk
from analytics.services.campaigns import create_campaign
from analytics.services.facts import upsert_facts

pytestmark = pytest.mark.django_db


@pytest.fixture
def keys(teams):
    campaign = create_campaign(team=teams["digital-marketing"], name="Bulk", code="bulk")
    return campaign.pk, Metric.objects.get(key="clicks").pk


def rows(keys, values, first=dt.date(2026, 11, 1), source="api"):
    campaign, metric = keys
    return [
        (campaign, first + dt.timedelta(days=i), metric, source, float(v))
        for i, v in enumerate(values)
    ]


def test_new_changed_and_unchanged_keys_are_counted_and_written_once(keys):
    assert upsert_facts(rows(keys, [1, 2, 3]), batch_id=None) == (3, 0)
    assert upsert_facts(rows(keys, [1, 20, 3, 4]), batch_id=None) == (1, 1)
    assert upsert_facts(rows(keys, [1, 20, 3, 4]), batch_id=None) == (0, 0)
    stored = dict(MetricFact.objects.values_list("date__day", "value"))
    assert stored == {1: 1.0, 2: 20.0, 3: 3.0, 4: 4.0}


def test_other_sources_of_the_same_day_are_other_facts(keys):
    upsert_facts(rows(keys, [5]), batch_id=None)
    assert upsert_facts(rows(keys, [6], source="google_ads"), batch_id=None) == (1, 0)
    assert sorted(MetricFact.objects.values_list("source", "value")) == [
        ("api", 5.0),
        ("google_ads", 6.0),
    ]


def test_a_key_written_between_the_read_and_the_insert_is_upserted(keys, monkeypatch):
    """A concurrent load that stored one of our new keys first: the insert falls back to the
    staged upsert instead of failing on the unique key."""
    upsert_facts(rows(keys, [7]), batch_id=None)
    empty = pd.DataFrame({c: [] for c in (*bulk.KEY, "value")})
    monkeypatch.setattr(bulk, "_existing", lambda stage: empty)  # as if read before it arrived
    assert upsert_facts(rows(keys, [8, 9]), batch_id=None) == (1, 1)
    assert sorted(MetricFact.objects.values_list("date__day", "value")) == [(1, 8.0), (2, 9.0)]


def test_new_keys_are_written_in_the_unique_index_order(keys, teams, monkeypatch):
    """A file lists its rows day by day: they are written campaign by campaign, the order of the
    unique index, so each insert lands beside the one before."""
    later = create_campaign(team=teams["digital-marketing"], name="Bulk 2", code="bulk-2").pk
    campaign, metric = keys
    day_by_day = [
        (c, dt.date(2026, 11, 1) + dt.timedelta(days=d), metric, "api", 1.0)
        for d in range(3)
        for c in (later, campaign)
    ]
    written = []

    def recording(real):
        def record(*args):  # (cursor, table,) frame, batch_id
            written.append(args[-2])
            return real(*args)

        return record

    for name in ("_copy_into", "_plain_rows"):  # PostgreSQL's COPY, SQLite's executemany
        monkeypatch.setattr(bulk, name, recording(getattr(bulk, name)))
    assert upsert_facts(day_by_day, batch_id=None) == (6, 0)
    (frame,) = written
    assert list(zip(frame["campaign_id"], frame["date"].dt.day, strict=True)) == [
        (campaign, 1),
        (campaign, 2),
        (campaign, 3),
        (later, 1),
        (later, 2),
        (later, 3),
    ]


def test_large_inserts_are_copied_in_chunks(keys, monkeypatch):
    monkeypatch.setattr(bulk, "COPY_CHUNK", 7)
    assert upsert_facts(rows(keys, range(30)), batch_id=None) == (30, 0)
    assert MetricFact.objects.count() == 30


def test_sources_of_different_lengths_in_one_write_keep_their_values_and_batch(keys):
    """One write holding several sources (COPYed a source at a time on PostgreSQL) and values
    that need every bit of a double, read back exactly and compared on the next write."""
    from analytics.models import BatchKind, ImportBatch

    batch = ImportBatch.objects.create(kind=BatchKind.API)
    mixed = (
        rows(keys, [1.5, 2.25e9], source="a")
        + rows(keys, [0.1 + 0.2, 7], source="google_ads")
        + rows(keys, [123456789.123456], source="ヤフー広告")
    )
    assert upsert_facts(mixed, batch_id=batch.pk) == (5, 0)
    stored = sorted(MetricFact.objects.values_list("source", "date__day", "value", "batch_id"))
    assert stored == [
        ("a", 1, 1.5, batch.pk),
        ("a", 2, 2.25e9, batch.pk),
        ("google_ads", 1, 0.1 + 0.2, batch.pk),
        ("google_ads", 2, 7.0, batch.pk),
        ("ヤフー広告", 1, 123456789.123456, batch.pk),
    ]
    assert upsert_facts(mixed, batch_id=None) == (0, 0)
    changed = [*mixed[:4], (*mixed[4][:4], 1.0)]
    assert upsert_facts(changed, batch_id=None) == (0, 1)
    assert MetricFact.objects.get(source="ヤフー広告").batch_id is None


@pytest.mark.parametrize(
    ("campaign_ids", "days_apart", "stored_as"),
    [
        ((3, 7), 40, "categories"),  # small spans: one int64 per key from its parts
        ((3, 2**40), 60_000, "categories"),  # spans too wide to multiply: row_codes numbers them
        ((3, 7), 40, "names"),  # SQLite reads the source names themselves
    ],
)
def test_staged_keys_are_matched_to_the_stored_ones_by_every_part(
    campaign_ids, days_apart, stored_as
):
    first = pd.Timestamp("1990-01-01")
    days = [first, first + pd.Timedelta(days=days_apart)]
    keys = [
        (c, d, m, s) for c in campaign_ids for d in days for m in (1, 2**20) for s in ("a", "bb")
    ]
    stage = pd.DataFrame(keys, columns=list(bulk.KEY)).astype({"source": "str"})
    stored = stage.iloc[::-3].reset_index(drop=True)  # every third key, in another order
    sources = list(stage["source"].unique())
    codes = stored["source"].map(sources.index).to_numpy()
    stored = stored.assign(
        source=pd.Categorical.from_codes(codes, categories=sources)
        if stored_as == "categories"
        else stored["source"].astype(object),
        value=1.0,
    )
    position = {key: i for i, key in enumerate(keys[::-3])}  # where each stored key is
    found = bulk._match(stage, stored)
    assert found.tolist() == [position.get(key, -1) for key in keys]


def test_the_copy_reader_hands_whole_chunks_over_and_slices_the_rest():
    chunks = [b"header", b"", b"0123456789", b"trailer"]
    whole = bulk._ChunkReader(iter(chunks))
    read = [whole.read(bulk.COPY_READ) for _ in range(4)]
    assert read == [b"header", b"0123456789", b"trailer", b""]
    assert read[1] is chunks[2]  # no copy of a chunk read whole
    sliced = bulk._ChunkReader(iter(chunks))
    parts = iter(lambda: sliced.read(4), b"")
    assert b"".join(parts) == b"".join(chunks)
