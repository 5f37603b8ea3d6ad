"""The loader's parsing half: encodings, header rows, stacked blocks and xlsx workbooks
(bytes built here; no database)."""

from __future__ import annotations

import codecs
import datetime as dt
import io

import pytest

from analytics.loader import METRIC_KEYS, FileRefused, RowError, parse_file

from .parse_support import D, csv_bytes, fact


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
