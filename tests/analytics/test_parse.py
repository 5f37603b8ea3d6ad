"""The loader's parsing half on small synthetic files (bytes built here; no database)."""

from __future__ import annotations

import codecs
import datetime as dt
import io
import time

import pytest

from analytics.loader import METRIC_KEYS, FileRefused, ParsedFile, RowError, parse_file

D = dt.date


def csv_bytes(text: str, encoding: str = "utf-8") -> bytes:
    return text.encode(encoding)


def fact(p: ParsedFile, metric: str, day: dt.date, campaign: str | None = None) -> float:
    f = p.facts
    sel = f[(f["metric"] == metric) & (f["date"] == day)]
    if campaign is not None:
        sel = sel[sel["campaign"] == campaign]
    assert len(sel) == 1, sel
    return float(sel["value"].iloc[0])


def messages(p: ParsedFile) -> list[tuple[int | None, str | None, str]]:
    return [(e.row, e.column, e.message) for e in p.errors]


def test_public_interface():
    assert METRIC_KEYS == (
        "impressions",
        "clicks",
        "cost",
        "conversions",
        "revenue",
        "sessions",
        "leads",
    )
    e = RowError(row=3, column="Cost", message="x")
    assert (e.row, e.column, e.message) == (3, "Cost", "x")
    assert issubclass(FileRefused, Exception)


# ------------------------------------------------------------------ encodings and layouts

GOOGLE_EN = (
    "Campaign report\n"
    '"November 1, 2026 - November 2, 2026"\n'
    "Day,Campaign,Currency code,Impr.,Clicks,CTR,Cost,Conversions,Conv. value,Avg. CPC\n"
    '2026-11-01,Brand,JPY,"1,234",56,4.54%,"7,890",3.5,"12,000.50",140.89\n'
    "2026-11-02,Brand,JPY,1000,40,4.00%,5000,2,0, --\n"
    "2026-11-01,Generic,JPY,500,5,1.00%,800,0,0,160\n"
    "Total: Campaigns,,JPY,2734,101,3.69%,13690,5.5,12000.5,135.54\n"
)


def test_google_ads_english_daily_with_title_and_total():
    p = parse_file(csv_bytes(GOOGLE_EN), "report.csv")
    assert (p.encoding, p.layout, p.platform, p.header_row, p.currency) == (
        "utf-8",
        "wide",
        "google_ads",
        3,
        "JPY",
    )
    assert p.columns["Impr."] == "metric:impressions"
    assert p.columns["Conv. value"] == "metric:revenue"
    assert p.columns["CTR"] == "ignored"
    assert p.columns["Avg. CPC"] == "ignored"
    assert p.columns["Currency code"] == "currency"
    assert p.errors == [] and p.error_count == 0
    assert p.skipped == [(7, "total row “Total: Campaigns”")]
    assert len(p.facts) == 15
    assert fact(p, "impressions", D(2026, 11, 1), "Brand") == 1234
    assert fact(p, "revenue", D(2026, 11, 1), "Brand") == 12000.5
    assert fact(p, "cost", D(2026, 11, 2), "Brand") == 5000
    assert fact(p, "conversions", D(2026, 11, 1), "Brand") == 3.5
    assert list(p.facts.columns) == ["row", "campaign", "date", "metric", "value", "source"]
    first = p.facts.iloc[0]
    assert first["row"] == 4 and isinstance(first["date"], dt.date)
    assert set(p.facts["metric"]) <= set(METRIC_KEYS)


YAHOO_JP = (
    "日,キャンペーン名,広告グループ名,インプレッション数,クリック数,クリック率,コスト,コンバージョン数\n"
    "2026/11/01,【東信】指名,軽SUV,１２３,4,3.25%,￥1,0\n"
    "2026/11/01,【東信】指名,軽セダン,100,6,6.00%,￥2000,1\n"
    "2026/11/02,【東信】指名,軽SUV,50,1,2.00%,300円,0\n"
    "合計,,,273,11,4.03%,2301,1\n"
)


def test_cp932_yahoo_japanese_headers_total_and_breakdown_sum():
    p = parse_file(csv_bytes(YAHOO_JP, "cp932"), "yahoo.csv")
    assert p.encoding == "cp932"
    assert p.platform == "yahoo_ads"
    assert p.columns["日"] == "date"
    assert p.columns["キャンペーン名"] == "campaign"
    assert p.columns["広告グループ名"] == "dimension"
    assert p.columns["インプレッション数"] == "metric:impressions"
    assert p.columns["コスト"] == "metric:cost"
    assert p.errors == []
    assert p.skipped == [(5, "total row “合計”")]
    # the two ad groups of 11-01 are summed into one fact per metric
    assert fact(p, "impressions", D(2026, 11, 1)) == 223
    assert fact(p, "cost", D(2026, 11, 1)) == 2001
    assert fact(p, "cost", D(2026, 11, 2)) == 300
    assert len(p.facts) == 8
    assert p.facts[p.facts["date"] == D(2026, 11, 1)]["row"].min() == 2
    assert any("summed" in n for n in p.notes)


GOOGLE_JP_TSV = (
    "キャンペーンのパフォーマンス\n"
    "2026年11月1日 - 2026年11月2日\n"
    "日\tキャンペーン\t表示回数\tクリック数\t費用\tコンバージョン\tコンバージョン値\t通貨コード\n"
    '2026年11月1日\t★【PMAX】東信\t"1,043,420"\t9239\t796481\t368.39\t"1,000"\tJPY\n'
    "2026年11月2日\t★【PMAX】東信\t10\t1\t100\t0\t0\tJPY\n"
)


def test_utf16le_tab_with_stray_trailing_byte():
    data = codecs.BOM_UTF16_LE + GOOGLE_JP_TSV.encode("utf-16-le") + b"\x04"
    p = parse_file(data, "campaign.csv")
    assert p.encoding == "utf-16"
    assert p.header_row == 3
    assert p.currency == "JPY"
    assert p.platform == "google_ads"
    assert any("stray byte" in n for n in p.notes)
    assert fact(p, "impressions", D(2026, 11, 1)) == 1043420
    assert fact(p, "revenue", D(2026, 11, 1)) == 1000
    assert len(p.facts) == 10


def test_utf16be_and_utf8_bom_and_semicolon():
    text = "Date;Campaign;Clicks;Cost\n2026-11-01;A;3;10\n"
    for data, enc in [
        (codecs.BOM_UTF16_BE + text.encode("utf-16-be"), "utf-16"),
        (codecs.BOM_UTF8 + text.encode(), "utf-8-sig"),
        (text.encode(), "utf-8"),
    ]:
        p = parse_file(data, "x.csv")
        assert p.encoding == enc
        assert fact(p, "clicks", D(2026, 11, 1), "A") == 3
        assert fact(p, "cost", D(2026, 11, 1), "A") == 10


def test_utf16_without_bom_crlf_and_no_final_newline():
    text = "Date\tCampaign\tClicks\r\n2026-11-01\tA\t3\r\n2026-11-02\tA\t4"
    p = parse_file(text.encode("utf-16-le"), "x.tsv")
    assert p.encoding == "utf-16-le"
    assert len(p.facts) == 2
    assert fact(p, "clicks", D(2026, 11, 2)) == 4


def test_undecodable_bytes_are_refused():
    with pytest.raises(FileRefused, match="encoding"):
        parse_file(b"Date,Clicks\n2026-11-01,\x81\xff\xfe\x80\x85\xa0\n", "x.csv")


def test_empty_file_refused():
    with pytest.raises(FileRefused, match="empty"):
        parse_file(b"", "x.csv")
    with pytest.raises(FileRefused, match="empty"):
        parse_file(codecs.BOM_UTF8 + b"\r\n", "x.csv")


def test_sep_line_and_stacked_blocks():
    text = (
        "sep=,\n"
        '"Facebook visits"\n'
        '"Date","Campaign","Sessions"\n'
        '"2023-07-08T00:00:00","A","138"\n'
        '"2023-07-09T00:00:00","A","117"\n'
        "\n"
        '"Instagram profile visits"\n'
        '"Date","Campaign","Sessions"\n'
        '"2023-07-08T00:00:00","A","5"\n'
        "\n"
    )
    p = parse_file(codecs.BOM_UTF16_LE + text.encode("utf-16-le"), "visits.csv")
    assert p.header_row == 3
    assert len(p.facts) == 2
    assert fact(p, "sessions", D(2023, 7, 8)) == 138
    assert len(p.skipped) == 1
    row, reason = p.skipped[0]
    assert row == 7 and "another table" in reason and "Instagram profile visits" in reason


def test_ga4_preamble_yyyymmdd_and_session_campaign():
    text = (
        "# ----------------------------------------\r\n"
        "# Report CSV Export\r\n"
        "# Property: example - GA4\r\n"
        "# Start date: 20261101\r\n"
        "# End date: 20261102\r\n"
        "# ----------------------------------------\r\n"
        "\r\n"
        "Date,Session campaign,Sessions,Engagement rate\r\n"
        "20261102,spring_sale,1200,0.51\r\n"
        "20261101,spring_sale,1000,0.5\r\n"
        "20261101,(organic),300,0.4"
    )
    p = parse_file(text.encode(), "ga4.csv")
    assert p.platform == "ga4"
    assert p.header_row == 8
    assert p.columns == {
        "Date": "date",
        "Session campaign": "campaign",
        "Sessions": "metric:sessions",
        "Engagement rate": "ignored",
    }
    assert fact(p, "sessions", D(2026, 11, 2), "spring_sale") == 1200
    assert fact(p, "sessions", D(2026, 11, 1), "(organic)") == 300
    assert p.facts["row"].tolist() == [9, 10, 11]


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


# ------------------------------------------------------------------ cells


@pytest.mark.parametrize(
    ("cell", "value"),
    [
        ("1,234", 1234),
        ('"1,043,420"', 1043420),
        ("¥1,234", 1234),
        ("￥１，２３４", 1234),
        ('"$1,234.56"', 1234.56),
        ("1234円", 1234),
        ("１２３", 123),
        ("12.50", 12.5),
        ("1e3", 1000),
        (" 7 ", 7),
    ],
)
def test_number_formats(cell, value):
    p = parse_file(f"Date\tCost\n2026-11-01\t{cell}\n".encode(), "x.tsv")
    assert p.errors == []
    assert fact(p, "cost", D(2026, 11, 1)) == value


@pytest.mark.parametrize("cell", ["", " --", "--", "-", "< 10%", "> 90%", "n/a"])
def test_cells_without_value_make_no_fact_and_no_error(cell):
    p = parse_file(f"Date,Cost,Clicks\n2026-11-01,{cell},3\n".encode(), "x.csv")
    assert p.errors == []
    assert p.facts["metric"].tolist() == ["clicks"]


@pytest.mark.parametrize(
    ("column", "cell", "message"),
    [
        ("Cost", "abc", "“abc” is not a number."),
        ("Cost", "1,2", "“1,2” is not a number."),
        ("Cost", "-5", "“-5” is negative; metric values cannot be negative."),
        ("Clicks", "-1", "“-1” is negative; metric values cannot be negative."),
        ("Clicks", "1.5", "“1.5” is not a whole number; this metric is a count."),
        ("Cost", "12.5%", "“12.5%” is a percentage"),
    ],
)
def test_invalid_numbers_are_errors_with_row_and_column(column, cell, message):
    other = "Clicks" if column == "Cost" else "Cost"
    text = f"Title\n\nDate\t{column}\t{other}\n2026-11-01\t1\t1\n2026-11-02\t{cell}\t2\n"
    p = parse_file(text.encode(), "x.csv")
    assert p.error_count == 1
    row, col, msg = messages(p)[0]
    assert (row, col) == (5, column)
    assert msg.startswith(message)
    # the row's valid cell is still a fact; the invalid one is not
    assert len(p.facts) == 3
    assert p.facts[p.facts["row"] == 5]["metric"].tolist() == [other.lower()]


@pytest.mark.parametrize(
    "cell",
    [
        "2026-11-01",
        "2026/11/01",
        "2026/11/1",
        "2026.11.01",
        "2026年11月1日",
        "2026年11月1日(日)",
        "２０２６年１１月１日",
        "20261101",
        "2026-11-01T00:00:00",
        "2026-11-01 13:45:00",
        "November 1, 2026",
        "Nov 1, 2026",
        "1 November 2026",
        "46327",  # Excel serial day number
    ],
)
def test_date_formats(cell):
    p = parse_file(f'Date,Clicks\n"{cell}",3\n'.encode(), "x.csv")
    assert p.errors == []
    assert p.facts["date"].tolist() == [D(2026, 11, 1)]


@pytest.mark.parametrize(
    ("cell", "message"),
    [
        ("2026-02-30", "“2026-02-30” is not a date we can read"),
        ("11/01/2026", "“11/01/2026” is not a date we can read"),
        ("2026-03-01 - 2026-03-11", "“2026-03-01 - 2026-03-11” is a date range, not a day"),
        ("", "The date is empty."),
    ],
)
def test_invalid_dates(cell, message):
    p = parse_file(f"Date,Campaign,Clicks\n2026-11-01,A,1\n{cell},A,3\n".encode(), "x.csv")
    assert p.error_count == 1
    row, col, msg = messages(p)[0]
    assert (row, col) == (3, "Date") and msg.startswith(message)
    assert len(p.facts) == 1


def test_empty_campaign_is_an_error_and_makes_no_fact():
    p = parse_file(b"Date,Campaign,Clicks\n2026-11-01,A,1\n2026-11-02,,3\n", "x.csv")
    assert messages(p) == [(3, "Campaign", "The campaign name is empty.")]
    assert p.facts["campaign"].tolist() == ["A"]


def test_no_campaign_column_gives_none():
    p = parse_file(b"Day,Clicks\n2026-11-01,1\n", "x.csv")
    assert p.facts["campaign"].tolist() == [None]
    assert p.facts["source"].tolist() == [None]


def test_every_invalid_cell_reported_and_capped():
    rows = "".join(f"2026-11-01,C{i},x,y\n" for i in range(800))
    p = parse_file(("Date,Campaign,Clicks,Cost\n" + rows).encode(), "x.csv")
    assert p.error_count == 1600
    assert len(p.errors) == 1000
    assert [(e.row, e.column) for e in p.errors[:3]] == [(2, "Clicks"), (2, "Cost"), (3, "Clicks")]
    assert p.facts.empty


def test_currency_column_mismatch_is_an_error():
    text = "Day,Campaign,Currency,Cost\n2026-11-01,A,JPY,1\n2026-11-01,B,USD,2\n"
    p = parse_file(text.encode(), "x.csv")
    assert p.currency == "JPY"
    assert messages(p) == [
        (
            3,
            "Currency",
            "The currency is USD but the rest of the file is in JPY: upload one currency per file.",
        )
    ]


def test_currency_from_header():
    p = parse_file(b"Day,Amount spent (USD)\n2026-11-01,1\n", "x.csv")
    assert p.currency == "USD"
    assert p.columns["Amount spent (USD)"] == "metric:cost"
    p = parse_file("日,費用（円）\n2026-11-01,1\n".encode(), "x.csv")
    assert p.currency == "JPY"


# ------------------------------------------------------------------ duplicates


def test_duplicate_rows_are_errors_on_the_later_row():
    text = "Date,Campaign,Clicks,Cost\n2026-11-01,A,1,10\n2026-11-01,B,2,20\n2026-11-01,A,3,30\n"
    p = parse_file(text.encode(), "x.csv")
    assert messages(p) == [
        (4, "Date", "Duplicate of row 2: the same campaign and date appear twice.")
    ]
    assert fact(p, "clicks", D(2026, 11, 1), "A") == 1
    assert len(p.facts) == 4


def test_breakdown_dimension_rows_are_summed():
    text = (
        "Day,Campaign,Device,Clicks,Cost\n"
        "2026-11-01,A,Mobile,1,10\n"
        "2026-11-01,A,Desktop,2,20.5\n"
        "2026-11-01,B,Mobile,5,\n"
    )
    p = parse_file(text.encode(), "x.csv")
    assert p.errors == []
    assert p.columns["Device"] == "dimension"
    assert fact(p, "clicks", D(2026, 11, 1), "A") == 3
    assert fact(p, "cost", D(2026, 11, 1), "A") == 30.5
    assert len(p.facts) == 3
    assert p.notes and "Device" in p.notes[0]


def test_same_breakdown_value_twice_is_still_a_duplicate():
    text = "Day,Campaign,Device,Clicks\n2026-11-01,A,Mobile,1\n2026-11-01,A,Mobile,2\n"
    p = parse_file(text.encode(), "x.csv")
    assert messages(p) == [
        (3, "Day", "Duplicate of row 2: the same campaign and date appear twice.")
    ]


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


# ------------------------------------------------------------------ xlsx


def _xlsx(rows, number_formats=None) -> bytes:
    openpyxl = pytest.importorskip("openpyxl")
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Report"
    for r in rows:
        ws.append(r)
    for (row, col), fmt in (number_formats or {}).items():
        ws.cell(row=row, column=col).number_format = fmt
    summary = wb.create_sheet("Summary", 0)
    summary.append(["All Web Site Data"])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def test_xlsx_dates_serials_numbers_and_totals():
    data = _xlsx(
        [
            ["Campaign report"],
            ["November 1, 2026 - November 3, 2026"],
            ["Day", "Campaign", "Impr.", "Clicks", "Cost", "Interaction rate"],
            [dt.datetime(2026, 11, 1), "A", 100.0, 3, 1.5, 0.03],
            [46327 + 1, "A", 200, "--", 2, 0.01],  # serial day number without a date format
            ["2026-11-03", "A", 300, 5, None, "--"],
            [None, None, 600, 8, 3.5, 0.02],
        ]
    )
    p = parse_file(data, "asset.bin")  # detected by the zip magic, not the name
    assert p.encoding == "xlsx"
    assert p.sheet == "Report"
    assert p.header_row == 3
    assert p.errors == []
    assert p.skipped == [(7, "total row (its name columns are empty)")]
    assert fact(p, "impressions", D(2026, 11, 1), "A") == 100
    assert fact(p, "impressions", D(2026, 11, 2), "A") == 200
    assert fact(p, "clicks", D(2026, 11, 3), "A") == 5
    assert len(p.facts) == 7
    assert any("Summary" in n for n in p.notes)


def test_broken_xlsx_refused():
    with pytest.raises(FileRefused, match="Excel workbook"):
        parse_file(b"PK\x03\x04garbage", "x.xlsx")


# ------------------------------------------------------------------ speed


def test_large_wide_file_parses_in_seconds():
    n = 100_000
    lines = ["日,キャンペーン,表示回数,クリック数,費用,コンバージョン,コンバージョン値,CTR"]
    for i in range(n):
        day = dt.date(2026, 1, 1) + dt.timedelta(days=i % 100)
        lines.append(f'{day:%Y/%m/%d},c{i // 100},{i},"{i % 5000:,}",{i % 977},1.5,{i % 13}.5,1%')
    data = "\n".join(lines).encode("cp932")
    start = time.perf_counter()
    p = parse_file(data, "big.csv")
    elapsed = time.perf_counter() - start
    assert p.error_count == 0
    assert len(p.facts) == 5 * n
    assert elapsed < 10, elapsed
