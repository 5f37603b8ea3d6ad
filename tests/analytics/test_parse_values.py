"""The loader's parsing half: cells (numbers, dates, campaigns, currencies), duplicates and
breakdown sums, speed (bytes built here; no database)."""

from __future__ import annotations

import datetime as dt

import pytest

from analytics.loader import parse_file

from .parse_support import D, fact, messages

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


# ------------------------------------------------------------------ speed


def test_large_wide_cp932_file_parses_every_fact():
    n = 100_000
    lines = ["日,キャンペーン,表示回数,クリック数,費用,コンバージョン,コンバージョン値,CTR"]
    for i in range(n):
        day = dt.date(2026, 1, 1) + dt.timedelta(days=i % 100)
        lines.append(f'{day:%Y/%m/%d},c{i // 100},{i},"{i % 5000:,}",{i % 977},1.5,{i % 13}.5,1%')
    data = "\n".join(lines).encode("cp932")
    p = parse_file(data, "big.csv")  # speed is measured by bench/, never asserted here
    assert p.error_count == 0
    assert len(p.facts) == 5 * n
