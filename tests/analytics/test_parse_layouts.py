"""The loader's parsing half: total and skipped rows, refusals, the long layout and
column_map (bytes built here; no database)."""

from __future__ import annotations

import pytest

from analytics.loader import FileRefused, parse_file

from .parse_support import D, fact, messages

# ------------------------------------------------------------------ totals and skipped rows


def test_total_rows_of_every_kind_and_blank_lines():
    text = (
        "Date,Campaign,Clicks\n"
        ",,15\n"  # unlabelled total first (Meta)
        "2026-11-01,A,5\n"
        "\n"
        "2026-11-01,B,10\n"
        "2026-11-01,全2件の結果,15\n"
        "Grand total,,15\n"
        ",,15,Grand total\n"  # ragged total row (GA4 explore)
        "2026-11-01,小計,15\n"
        "Total,,15\n"
    )
    p = parse_file(text.encode(), "x.csv")
    assert p.errors == []
    assert len(p.facts) == 2
    reasons = dict(p.skipped)
    assert reasons[2] == "total row (its name columns are empty)"
    assert reasons[4] == "blank line"
    assert reasons[6] == "total row “全2件の結果”"
    assert reasons[7] == "total row “Grand total”"
    assert reasons[8] == "total row “Grand total”"
    assert reasons[9] == "total row “小計”"
    assert reasons[10] == "total row “Total”"


def test_unlabelled_total_row_last():
    text = "キャンペーン名\t日\tコスト\nA\t2026-11-01\t10\nB\t2026-11-01\t20\n\t\t30\n"
    p = parse_file(text.encode(), "x.tsv")
    assert p.skipped == [(4, "total row (its name columns are empty)")]
    assert len(p.facts) == 2


def test_note_line_only_and_only_totals_are_refused():
    text = (
        '"Reporting starts","Campaign name",Impressions,"Amount spent (USD)"\n'
        '"No data available."\n'
    )
    with pytest.raises(FileRefused, match=r"no data rows: the export says “No data available.”"):
        parse_file(text.encode(), "meta.csv")
    with pytest.raises(FileRefused, match="only holds total rows"):
        parse_file(b"Day,Campaign,Clicks\nTotal,,3\n", "x.csv")
    with pytest.raises(FileRefused, match="nothing under the header"):
        parse_file(b"Day,Campaign,Clicks\n", "x.csv")


# ------------------------------------------------------------------ refusals


def test_no_date_column_refused_with_period():
    text = "Campaign report\n27 January 2026 - 23 February 2026\nCampaign,Clicks,Cost\nA,3,10\n"
    with pytest.raises(FileRefused) as exc:
        parse_file(text.encode(), "x.csv")
    msg = str(exc.value)
    assert "no per-day date column: the export is one total over a date range" in msg
    assert "27 January 2026 - 23 February 2026" in msg


def test_reporting_range_longer_than_a_day_is_refused():
    text = (
        "Reporting starts,Reporting ends,Campaign name,Impressions,Amount spent (JPY)\n"
        "2026-01-01,2026-03-31,A,100,50\n"
    )
    with pytest.raises(FileRefused, match=r"no per-day date column.*2026-01-01 – 2026-03-31"):
        parse_file(text.encode(), "meta.csv")


def test_reporting_range_of_one_day_is_the_date():
    text = (
        "Reporting starts,Reporting ends,Campaign name,Impressions,Link clicks,Clicks (all),"
        "Results,Purchases,Purchases conversion value,Amount spent (USD)\n"
        "2026-01-01,2026-01-01,A,100,7,9,3,2,50.5,12.34\n"
        "2026-01-02,2026-01-02,A,200,8,11,4,,,20\n"
    )
    p = parse_file(text.encode(), "meta.csv")
    assert p.platform == "meta"
    assert p.currency == "USD"
    assert p.columns["Reporting starts"] == "date"
    assert p.columns["Reporting ends"] == "ignored"
    assert p.columns["Link clicks"] == "metric:clicks"
    assert p.columns["Clicks (all)"] == "ignored"
    assert p.columns["Results"] == "ignored"
    assert p.columns["Purchases"] == "metric:conversions"
    assert p.columns["Purchases conversion value"] == "metric:revenue"
    assert fact(p, "clicks", D(2026, 1, 1), "A") == 7
    assert fact(p, "cost", D(2026, 1, 1), "A") == 12.34
    assert len(p.facts) == 8


def test_clicks_all_used_when_no_link_clicks():
    text = "日,キャンペーン名,クリック(すべて),消化金額 (JPY)\n2026-01-01,A,9,100\n"
    p = parse_file(text.encode(), "meta.csv")
    assert p.columns["クリック(すべて)"] == "metric:clicks"
    assert p.currency == "JPY"


def test_no_metric_columns_refused():
    with pytest.raises(FileRefused, match=r"no metric columns we recognise.*Date, Primary"):
        parse_file(b"Date,Primary\n2026-11-01,5\n", "x.csv")


# ------------------------------------------------------------------ long layout, column_map


def test_long_layout_with_source_and_metric_aliases():
    text = (
        "date,campaign,metric,value,source\n"
        "2026-11-01,spring,clicks,10,google_ads\n"
        "2026-11-01,spring,表示回数,1000,google_ads\n"
        "2026-11-01,spring,Cost,500,yahoo_ads\n"
        "2026-11-01,spring,clicks,7,yahoo_ads\n"
        "2026-11-02,spring,bounces,3,google_ads\n"
        "2026-11-01,spring,clicks,11,google_ads\n"
    )
    p = parse_file(text.encode(), "long.csv")
    assert p.layout == "long"
    assert p.columns == {
        "date": "date",
        "campaign": "campaign",
        "metric": "metric",
        "value": "value",
        "source": "source",
    }
    f = p.facts
    assert len(f) == 4
    assert sorted(zip(f["metric"], f["source"], f["value"], strict=True)) == [
        ("clicks", "google_ads", 10.0),
        ("clicks", "yahoo_ads", 7.0),
        ("cost", "yahoo_ads", 500.0),
        ("impressions", "google_ads", 1000.0),
    ]
    msgs = messages(p)
    assert msgs[0][:2] == (6, "metric") and msgs[0][2].startswith("Unknown metric “bounces”")
    assert msgs[1] == (
        7,
        "date",
        "Duplicate of row 2: the same campaign, date and metric appear twice.",
    )


def test_column_map_overrides_detection():
    text = "When,Who,Primary,Clicks\n2026-11-01,A,5,9\n"
    cmap = {"When": "date", "Who": "campaign", "Primary": "metric:sessions", "Clicks": "ignored"}
    p = parse_file(text.encode(), "x.csv", column_map=cmap)
    assert p.columns == cmap
    assert p.facts[["campaign", "metric", "value"]].values.tolist() == [["A", "sessions", 5.0]]


def test_column_map_helps_find_the_header_and_rejects_unknown_roles():
    text = "My export\nWhen,Visits\n2026-11-01,5\n"
    p = parse_file(text.encode(), "x.csv", column_map={"When": "date", "Visits": "metric:leads"})
    assert p.header_row == 2 and fact(p, "leads", D(2026, 11, 1)) == 5
    with pytest.raises(ValueError, match="unknown column role"):
        parse_file(text.encode(), "x.csv", column_map={"When": "day"})


def test_unknown_columns_are_listed_as_ignored():
    p = parse_file(b"Date,Clicks,Frequency,Whatever\n2026-11-01,1,2,x\n", "x.csv")
    assert p.columns == {
        "Date": "date",
        "Clicks": "metric:clicks",
        "Frequency": "ignored",
        "Whatever": "ignored",
    }
    assert p.errors == []


def test_ragged_row_wider_than_padding():
    extra = ",".join(["x"] * 30)
    p = parse_file(f"Date,Clicks\n2026-11-01,1,{extra}\n2026-11-02,2\n".encode(), "x.csv")
    assert len(p.facts) == 2
