"""Large files stream block by block; the result is exactly the whole-file path's.

Each case loads the same bytes twice, streamed in small blocks and read whole, each inside a
savepoint rolled back afterwards, and compares everything the load leaves behind: the batch's
status, counts and errors, the facts and the campaigns it created.
"""

from __future__ import annotations

import datetime as dt
import io
import threading

import pytest
from django.db import transaction

from analytics.loader import stream
from analytics.models import Campaign, ImportBatch, MetricFact
from analytics.services import streamed
from analytics.services.campaigns import create_campaign
from analytics.services.files import load_file
from analytics.services.streamed import KeyLedger

pytestmark = pytest.mark.django_db

DAYS = [dt.date(2026, 1, 1) + dt.timedelta(days=i) for i in range(120)]


@pytest.fixture
def campaigns(teams):
    team = teams["digital-marketing"]
    return [
        create_campaign(team=team, name=f"春のセール {i}", code=f"spring-{i}", currency=currency)
        for i, currency in enumerate(["JPY", "JPY", "USD"])
    ]


@pytest.fixture
def blocks(monkeypatch):
    """Stream every file, in blocks of about 60 facts (2 KB at least), and count the blocks."""
    monkeypatch.setattr(stream, "STREAM_MIN_BYTES", 1)
    monkeypatch.setattr(stream, "HEAD_BYTES", 1024)
    monkeypatch.setattr(stream, "BLOCK_FACTS", 60)
    monkeypatch.setattr(stream, "MIN_BLOCK_BYTES", 2048)
    parsed = []
    real = streamed.parse_block

    def counting(*args, **kwargs):
        parsed.append(args[0].first_row)
        return real(*args, **kwargs)

    monkeypatch.setattr(streamed, "parse_block", counting)
    return parsed


def long_csv(rows: int = 300, campaigns: tuple[str, ...] = ("spring-0", "spring-1")) -> str:
    lines = ["date,campaign,metric,value"]
    for i in range(rows):
        day = DAYS[i // (2 * len(campaigns)) % len(DAYS)]
        metric = ("clicks", "impressions")[i % 2]
        lines.append(f"{day},{campaigns[(i // 2) % len(campaigns)]},{metric},{i * 3}")
    return "\n".join(lines) + "\n"


def outcome(data: bytes, name: str = "report.csv", **options):
    """Everything a load leaves behind, then rolled back."""
    before = set(Campaign.objects.values_list("pk", flat=True))
    savepoint = transaction.savepoint()
    result = load_file(io.BytesIO(data), name, source="file", **options)
    batch = ImportBatch.objects.get(pk=result.batch.pk)
    seen = {
        "status": batch.status,
        "counts": batch.counts(),
        "error_count": batch.error_count,
        "errors": batch.errors,
        "encoding": batch.encoding,
        "layout": batch.layout,
        "facts": sorted(
            MetricFact.objects.values_list(
                "campaign__code", "date", "metric__key", "source", "value"
            )
        ),
        "new_campaigns": sorted(
            Campaign.objects.exclude(pk__in=before).values_list("name", "currency")
        ),
    }
    transaction.savepoint_rollback(savepoint)
    return seen


def both_ways(blocks, monkeypatch, data: bytes, name: str = "report.csv", **options):
    streamed = outcome(data, name, **options)
    read_blocks = len(blocks)
    monkeypatch.setattr(stream, "STREAM_MIN_BYTES", 1 << 40)
    whole = outcome(data, name, **options)
    assert len(blocks) == read_blocks  # the second load did not stream
    return streamed, whole, read_blocks


def test_a_long_file_streams_in_blocks_and_loads_what_the_whole_file_loads(
    campaigns, blocks, monkeypatch
):
    streamed, whole, read = both_ways(blocks, monkeypatch, long_csv().encode())
    assert read > 3
    assert streamed == whole
    assert streamed["status"] == "succeeded" and streamed["counts"]["created"] == 300
    assert blocks[:2] == [2, blocks[1]] and blocks[1] > 2  # row numbers continue across blocks


def test_a_wide_shift_jis_export_with_a_title_and_a_total_row_streams(
    campaigns, blocks, monkeypatch
):
    lines = [
        "キャンペーン レポート",
        "2026/01/01 - 2026/02/29",
        "日,キャンペーン,表示回数,クリック数,費用",
    ]
    for day in DAYS:
        for name in ("春のセール 0", "春のセール 1"):
            lines.append(f'{day:%Y/%m/%d},{name},1000,50,"￥12,000"')
    lines.append(',,120000,6000,"￥1,440,000"')  # the total row: its names are empty
    data = ("\r\n".join(lines) + "\r\n\r\n").encode("cp932")
    streamed, whole, read = both_ways(blocks, monkeypatch, data)
    assert read > 1
    assert streamed == whole
    assert streamed["encoding"] == "cp932" and streamed["counts"]["created"] == len(DAYS) * 2 * 3


def test_a_key_repeated_in_a_later_block_refuses_the_file(campaigns, blocks, monkeypatch):
    text = long_csv() + "2026-01-01,spring-0,clicks,5\n"  # row 2's key, 300 rows later
    streamed, whole, read = both_ways(blocks, monkeypatch, text.encode())
    assert read > 3
    assert streamed == whole
    assert streamed["status"] == "refused" and not streamed["facts"]
    assert streamed["errors"][0]["index"] == 302
    assert "Duplicate of row 2" in streamed["errors"][0]["message"]


def test_cell_errors_in_several_blocks_are_all_reported_and_nothing_is_written(
    campaigns, blocks, monkeypatch
):
    rows = long_csv().splitlines()
    rows[5] = rows[5].rsplit(",", 1)[0] + ",abc"
    rows[250] = rows[250].rsplit(",", 1)[0] + ",-4"
    streamed, whole, _read = both_ways(blocks, monkeypatch, ("\n".join(rows) + "\n").encode())
    assert streamed == whole
    assert [e["index"] for e in streamed["errors"]] == [6, 251]
    assert streamed["error_count"] == 2 and not streamed["facts"]


def test_an_unknown_campaign_in_the_last_block_rolls_back_every_block(
    campaigns, blocks, monkeypatch
):
    text = long_csv() + "2026-03-01,no-such-campaign,clicks,1\n"
    streamed, whole, _read = both_ways(blocks, monkeypatch, text.encode())
    assert streamed == whole
    assert streamed["status"] == "refused"
    assert streamed["errors"][0]["index"] == 302 and streamed["errors"][0]["field"] == "campaign"
    assert not streamed["facts"]


def test_a_second_table_below_the_first_falls_back_to_the_whole_file(
    campaigns, blocks, monkeypatch
):
    text = long_csv() + "\nAnother report\ndate,campaign,metric,value\n2026-01-01,x,clicks,1\n"
    streamed, whole, read = both_ways(blocks, monkeypatch, text.encode())
    assert read > 1  # it started streaming, met the second table, and read the file whole
    assert streamed == whole
    assert streamed["status"] == "succeeded" and streamed["counts"]["created"] == 300


def test_campaigns_created_by_a_streamed_load_are_kept_in_the_files_currency(
    campaigns, teams, blocks, monkeypatch
):
    lines = ["Day,Campaign,Clicks,Amount spent (USD)"]
    lines += [f"{day},新しい施策 {i},{i},{i * 2.5}" for day in DAYS for i in range(3)]
    data = ("\n".join(lines) + "\n").encode()
    team = teams["digital-marketing"]
    streamed, whole, read = both_ways(blocks, monkeypatch, data, create_campaigns_for_team=team)
    assert read > 1
    assert streamed == whole
    assert streamed["new_campaigns"] == [(f"新しい施策 {i}", "USD") for i in range(3)]


def test_campaigns_first_named_in_later_blocks_are_created_as_when_whole(
    campaigns, teams, blocks, monkeypatch
):
    # a new campaign every ten days: the next block names new ones while this one is written
    lines = ["Day,Campaign,Clicks"]
    lines += [f"{day},施策 {n // 10}-{k},{n}" for n, day in enumerate(DAYS) for k in range(3)]
    data = ("\n".join(lines) + "\n").encode()
    team = teams["digital-marketing"]
    streamed, whole, read = both_ways(blocks, monkeypatch, data, create_campaigns_for_team=team)
    assert read > 3
    assert streamed == whole
    assert len(streamed["new_campaigns"]) == 36 and streamed["counts"]["created"] == 3 * len(DAYS)


def test_a_streamed_load_validates_each_block_in_the_parse_ahead_thread(
    campaigns, blocks, monkeypatch
):
    """Validation overlaps the previous block's write: it runs beside it, with no database."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    threads = []
    real = streamed.validate_frame

    def recording(*args, **kwargs):
        threads.append(threading.current_thread().name)
        with CaptureQueriesContext(connection) as queries:
            checked = real(*args, **kwargs)
        assert not queries.captured_queries
        return checked

    monkeypatch.setattr(streamed, "validate_frame", recording)
    result = load_file(io.BytesIO(long_csv().encode()), "report.csv", source="file")
    assert result.batch.status == "succeeded"
    assert len(threads) == len(blocks) > 3
    assert set(threads) == {"mops-parse-ahead"}


def test_quoted_cells_spanning_lines_load_as_when_whole(campaigns, blocks, monkeypatch):
    lines = ["date,campaign,metric,value,note"]
    for i, line in enumerate(long_csv().splitlines()[1:]):
        lines.append(line + (',"two\nlines, ""quoted"""' if i % 7 == 0 else ",plain"))
    streamed, whole, read = both_ways(blocks, monkeypatch, ("\n".join(lines) + "\n").encode())
    assert read > 1
    assert streamed == whole
    assert streamed["status"] == "succeeded" and streamed["counts"]["created"] == 300


@pytest.mark.parametrize("campaign_code", [None, "spring-2"])
def test_a_file_without_a_campaign_column_needs_the_campaign_chosen(
    campaigns, blocks, monkeypatch, campaign_code
):
    lines = ["Day,Clicks,Cost"] + [f"{day},{i},{i * 100}" for i, day in enumerate(DAYS)]
    data = ("\n".join(lines) + "\n").encode()
    streamed, whole, read = both_ways(blocks, monkeypatch, data, campaign_code=campaign_code)
    assert read > 1
    assert streamed == whole
    if campaign_code:
        assert streamed["counts"]["created"] == 2 * len(DAYS)
    else:
        assert streamed["status"] == "refused"
        assert "no campaign column" in streamed["errors"][0]["message"]


def test_reloading_a_streamed_file_changes_nothing(campaigns, blocks):
    data = long_csv().encode()
    first = load_file(data, "report.csv", source="file").batch
    again = load_file(data, "report.csv", source="file").batch
    assert first.counts()["created"] == 300
    assert (again.created, again.updated, again.unchanged) == (0, 0, 300)


def ledger_block(rows, campaign_ids, days, metric_ids=None):
    import pandas as pd

    return pd.DataFrame(
        {
            "campaign_id": campaign_ids,
            "date": pd.to_datetime(days),
            "metric_id": metric_ids or [1] * len(rows),
            "source": ["file"] * len(rows),
            "index": rows,
        }
    )


def test_the_ledger_finds_keys_repeated_across_blocks_with_their_first_row():
    ledger = KeyLedger()
    ledger.add(ledger_block([2, 3], [10, 11], ["2026-01-01", "2026-01-01"]))
    ledger.add(ledger_block([4, 5], [10, 11], ["2026-01-02", "2026-01-01"]))
    assert ledger.duplicates() == {5: 3}
    clean = KeyLedger()
    clean.add(ledger_block([2], [10], ["2026-01-01"]))
    clean.add(ledger_block([3], [10], ["2026-01-02"]))
    assert clean.duplicates() == {}


def test_the_ledger_keeps_8_bytes_a_fact_of_a_long_file_and_the_rows_of_a_wide_one():
    import pandas as pd

    facts = 10_000
    days = pd.date_range("2000-01-01", periods=facts)
    long = KeyLedger()
    long.add(ledger_block(list(range(2, facts + 2)), [10] * facts, days))
    kept = sum(k.nbytes for k in long.keys) + sum(getattr(r, "nbytes", 0) for r in long.rows)
    assert kept == 8 * facts  # the consecutive rows as a range, not 4 bytes each
    long.add(ledger_block([facts + 2], [10], ["2000-01-05"]))
    assert long.duplicates() == {facts + 2: 6}
    # a wide file's row holds a fact per metric: its rows repeat and are kept one by one
    wide = KeyLedger()
    wide.add(
        ledger_block([2, 2, 3, 3], [10] * 4, ["2026-01-01"] * 2 + ["2026-01-02"] * 2, [1, 2] * 2)
    )
    wide.add(ledger_block([4, 4], [10, 10], ["2026-01-03", "2026-01-02"], [1, 2]))
    assert wide.duplicates() == {4: 3}
