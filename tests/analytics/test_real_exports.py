"""Real ad-platform exports (../shared/real-exports, read in place, never copied): each one either
loads with the right numbers or is refused with a specific reason.

Figures below were checked by reading the files (see SOURCES.md there for each file's quirks).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from analytics.loader import FileRefused, parse_file
from analytics.loader.decode import decode_text, is_xlsx
from analytics.loader.rows import RowFilter
from analytics.loader.tables import csv_table, xlsx_table

REAL = Path(__file__).resolve().parents[3] / "shared" / "real-exports"
FILES = sorted(p.name for p in REAL.iterdir() if p.suffix != ".md") if REAL.is_dir() else []
pytestmark = pytest.mark.skipif(not REAL.is_dir(), reason=f"no real exports at {REAL}")

NO_DAY = "no per-day date column: the export is one total over a date range"
NO_METRIC = "no metric columns we recognise"

REFUSED = {
    "yahoo_jp_search_adgroup_utf16le_tab.csv": NO_DAY,
    "tiktok_jp_campaign_cp932.csv": NO_DAY,
    "meta_jp_campaign_utf8bom.csv": f"{NO_DAY} (2026-01-01 – 2026-03-31)",
    "gads_jp_campaign_performance_utf8.csv": f"{NO_DAY} (2026年1月1日 - 2026年3月31日)",
    "gads_campaign_report_utf16le_tab.csv": f"{NO_DAY} (27 January 2026 - 23 February 2026)",
    "gads_campaign_report_alltime_usd.csv": f"{NO_DAY} (All time)",
    "gads_ad_asset_report.xlsx": f"{NO_DAY} (August 20, 2024 - September 18, 2024)",
    "meta_campaigns_no_data.csv": "no data rows: the export says “No data available.”",
    "meta_ads_region_monthly_uah.xlsx": f"{NO_DAY} (2023-04-01 – 2024-03-11)",
    "fb_page_visits_daily_utf16_sep.csv": f"{NO_METRIC} (columns: Date, Primary)",
    "ga4_daily_date_yyyymmdd.csv": f"{NO_METRIC} (columns: Date, Event count, Total users",
    "ga4_explore_grand_total.csv": f"{NO_DAY} (20251213-20260312)",
    "ua_pages_20220701-20220731.xlsx": f"{NO_METRIC} (columns: Day Index, Pageviews)",
}
UNLABELLED = "total row (its name columns are empty)"
LOADED = {"gads_account_daily_report.csv", "meta_daily_account_bom_usd.csv"}


def load(name: str, **kwargs):
    return parse_file((REAL / name).read_bytes(), name, **kwargs)


def value(p, metric: str, day: dt.date) -> float:
    sel = p.facts[(p.facts["metric"] == metric) & (p.facts["date"] == day)]
    assert len(sel) == 1
    return float(sel["value"].iloc[0])


@pytest.mark.parametrize("name", FILES)
def test_every_real_export_loads_or_is_refused_for_a_reason(name):
    assert name in REFUSED or name in LOADED, f"add an expectation for the new export {name}"
    if name in REFUSED:
        with pytest.raises(FileRefused) as exc:
            load(name)
        assert REFUSED[name] in str(exc.value)
    else:
        p = load(name)
        assert p.errors == [] and p.error_count == 0
        assert len(p.facts) > 0


def test_google_ads_account_daily_report():
    p = load("gads_account_daily_report.csv")
    assert (p.encoding, p.layout, p.platform, p.header_row, p.currency) == (
        "utf-8",
        "wide",
        "google_ads",
        3,
        "USD",
    )
    assert p.columns["Day"] == "date"
    assert p.columns["Account name"] == "dimension"
    assert p.columns["Cost (Converted currency)"] == "ignored"
    assert p.columns["Converted currency code"] == "ignored"
    # 28 days x (cost, clicks, impressions, revenue, conversions); no campaign column
    assert len(p.facts) == 140
    assert p.facts["date"].nunique() == 28
    assert p.facts["campaign"].isna().all()
    day1 = dt.date(2025, 7, 1)
    assert value(p, "cost", day1) == 4752.13
    assert value(p, "clicks", day1) == 2497
    assert value(p, "impressions", day1) == 85760
    assert value(p, "revenue", day1) == 18522.92
    assert value(p, "conversions", day1) == 29.24
    assert value(p, "cost", dt.date(2025, 7, 28)) == 897.75
    assert round(p.facts[p.facts["metric"] == "cost"]["value"].sum(), 2) == 117344.04
    assert p.facts[p.facts["date"] == day1]["row"].unique().tolist() == [4]


def test_meta_daily_account_report():
    p = load("meta_daily_account_bom_usd.csv")
    assert (p.encoding, p.platform, p.header_row, p.currency) == ("utf-8-sig", "meta", 1, "USD")
    assert p.columns["Link clicks"] == "metric:clicks"
    assert p.columns["Amount spent (USD)"] == "metric:cost"
    assert p.columns["Purchases"] == "metric:conversions"
    assert p.columns["Purchases conversion value"] == "metric:revenue"
    assert p.columns["Results"] == "ignored"
    assert p.columns["Reporting starts"] == "ignored"  # "Day" is the date
    assert len(p.facts) == 140
    day = dt.date(2025, 7, 28)  # first data row (line 2): dates run descending
    assert value(p, "impressions", day) == 17655
    assert value(p, "clicks", day) == 178
    assert value(p, "cost", day) == 951.77
    assert value(p, "conversions", day) == 2
    assert value(p, "revenue", day) == 490.72
    assert p.facts[p.facts["date"] == dt.date(2025, 7, 1)]["row"].unique().tolist() == [29]


def test_page_visits_load_when_mapped_and_the_second_block_is_skipped():
    p = load("fb_page_visits_daily_utf16_sep.csv", column_map={"Primary": "metric:sessions"})
    assert (p.encoding, p.header_row) == ("utf-16", 3)
    assert len(p.facts) == 242
    assert value(p, "sessions", dt.date(2023, 7, 8)) == 138
    assert value(p, "sessions", dt.date(2024, 3, 5)) == 185
    (row, reason), *_rest = p.skipped
    assert row == 247 and "Instagram profile visits" in reason and "247–490" in reason


def test_ga4_daily_loads_when_a_column_is_mapped():
    p = load("ga4_daily_date_yyyymmdd.csv", column_map={"Total users": "metric:sessions"})
    assert (p.platform, p.header_row) == ("ga4", 10)
    assert len(p.facts) == 241
    assert value(p, "sessions", dt.date(2023, 10, 10)) == 2831
    assert p.facts.iloc[0]["row"] == 11


def test_ua_workbook_reads_the_daily_sheet_with_excel_dates():
    p = load("ua_pages_20220701-20220731.xlsx", column_map={"Pageviews": "metric:sessions"})
    assert (p.encoding, p.sheet, p.header_row) == ("xlsx", "Dataset2", 1)
    assert len(p.facts) == 31
    assert value(p, "sessions", dt.date(2022, 7, 1)) == 1022
    assert p.skipped == [(33, "total row (its name columns are empty)")]


def test_monthly_ranges_are_errors_when_forced_as_dates():
    p = load("meta_ads_region_monthly_uah.xlsx", column_map={"Month": "date"})
    assert p.currency == "UAH"
    assert p.skipped[0] == (2, "total row (its name columns are empty)")
    assert p.error_count == 310 and p.facts.empty
    first = p.errors[0]
    assert (first.row, first.column) == (3, "Month")
    assert "is a date range, not a day" in first.message


def _skipped(name: str) -> list[tuple[int, str]]:
    data = (REAL / name).read_bytes()
    if is_xlsx(data, name):
        table, _sheet = xlsx_table(data, {}, [])
    else:
        table = csv_table(decode_text(data)[0], {})
    rows = RowFilter(table, {}, [])
    rows.filter_rows()
    return rows.skipped


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        (
            "yahoo_jp_search_adgroup_utf16le_tab.csv",
            [(20, "total row (its name columns are empty)")],
        ),
        ("tiktok_jp_campaign_cp932.csv", [(4, "total row “全2件の結果”")]),
        ("meta_jp_campaign_utf8bom.csv", [(2, "total row (its name columns are empty)")]),
        (
            "gads_campaign_report_utf16le_tab.csv",
            [(5, "total row “Total: Campaigns”"), (6, "total row “Total: Campaign”")],
        ),
        (
            "gads_campaign_report_alltime_usd.csv",
            [
                (16, "total row “Total: Campaigns”"),
                (17, "total row “Total: Account”"),
                (18, "total row “Total: Performance Max”"),
                (19, "total row “Total: Search”"),
                (20, "total row “Total: Display”"),
            ],
        ),
        ("ga4_explore_grand_total.csv", [(8, "total row “Grand total”"), (351, "blank line")]),
        ("gads_jp_campaign_performance_utf8.csv", []),
    ],
)
def test_total_rows_in_refused_exports_are_recognised(name, expected):
    """Files refused for their date range still have their totals found before that."""
    assert sorted(_skipped(name)) == expected
