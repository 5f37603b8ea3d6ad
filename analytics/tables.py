"""Tables shown on analytics pages and exported as CSV or Excel: the very same rows.

A :class:`Table` holds raw values (numbers, not formatted text); the page formats each cell by
the column's kind (``analytics/_table.html``) and the exports write the numbers, so a CSV or
workbook can be summed again. A cell with no value (n/a: zero denominator) is "—" on the page and
empty in the exports.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.http import HttpResponse
from django.utils.translation import gettext_lazy as _

from .formatting import format_money, format_number, format_percent, format_ratio


@dataclass(frozen=True)
class Column:
    key: str
    label: Any
    kind: str = "text"  # text, number, money, percent, ratio, link

    def display(self, row: dict[str, Any]) -> str:
        value = row.get(self.key)
        kind = row.get("kind", "number") if self.kind == "auto" else self.kind
        if kind == "money":
            return format_money(value, row.get("currency", "JPY"))
        if kind == "number":
            return format_number(value, 0 if value is None or float(value).is_integer() else 2)
        if kind == "percent":
            return format_percent(value)
        if kind == "ratio":
            return format_ratio(value)
        return "—" if value in (None, "") else str(value)

    @property
    def numeric(self) -> bool:
        return self.kind in {"money", "number", "percent", "ratio", "auto"}


@dataclass
class Table:
    key: str
    title: Any
    columns: Sequence[Column]
    rows: list[dict[str, Any]]
    totals: list[dict[str, Any]] = field(default_factory=list)

    def header(self) -> list[str]:
        return [str(c.label) for c in self.columns]

    def raw_rows(self) -> list[list[Any]]:
        """Body rows then total rows, as raw values (what the exports write)."""
        out = []
        for row in [*self.rows, *self.totals]:
            out.append([_raw(row.get(c.key)) for c in self.columns])
        return out

    def display_rows(self) -> list[dict[str, Any]]:
        return [{"row": r, "cells": [(c, c.display(r)) for c in self.columns]} for r in self.rows]

    def display_totals(self) -> list[dict[str, Any]]:
        return [{"row": r, "cells": [(c, c.display(r)) for c in self.columns]} for r in self.totals]


def _raw(value: Any) -> Any:
    if value is None:
        return None
    if isinstance(value, int | float | str):
        return value
    return str(value)


def export(table: Table, fmt: str, filename: str) -> HttpResponse:
    """The table as ``text/csv`` (UTF-8 with BOM, for Excel) or an ``.xlsx`` workbook."""
    if fmt == "xlsx":
        from openpyxl import Workbook

        workbook = Workbook()
        sheet = workbook.active
        assert sheet is not None
        sheet.title = str(table.title)[:31]
        sheet.append(table.header())
        for values in table.raw_rows():
            sheet.append(values)
        buffer = io.BytesIO()
        workbook.save(buffer)
        response = HttpResponse(
            buffer.getvalue(),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
        response["Content-Disposition"] = f'attachment; filename="{filename}.xlsx"'
        return response
    text = io.StringIO()
    writer = csv.writer(text)
    writer.writerow(table.header())
    for values in table.raw_rows():
        writer.writerow(["" if v is None else v for v in values])
    response = HttpResponse("\ufeff" + text.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}.csv"'
    return response


TOTAL = _("Total")

# The summed figures every performance table shows, in this order.
VOLUME_COLUMNS = [
    Column("impressions", _("Impressions"), "number"),
    Column("clicks", _("Clicks"), "number"),
    Column("conversions", _("Conversions"), "number"),
    Column("revenue", _("Revenue"), "money"),
]

PERFORMANCE_COLUMNS = [
    Column("name", _("Campaign"), "link"),
    Column("channel_label", _("channel")),
    Column("currency", _("currency")),
    Column("cost", _("Spend"), "money"),
    Column("budget", _("budget"), "money"),
    Column("budget_used", _("Budget used"), "percent"),
    *VOLUME_COLUMNS,
    Column("ctr", _("CTR"), "percent"),
    Column("cpc", _("CPC"), "money"),
    Column("cpa", _("CPA"), "money"),
    Column("cvr", _("CVR"), "percent"),
    Column("roas", _("ROAS"), "ratio"),
]

CHANNEL_COLUMNS = [
    Column("label", _("channel")),
    Column("currency", _("currency")),
    Column("cost", _("Spend"), "money"),
    *VOLUME_COLUMNS,
    Column("cpa", _("CPA"), "money"),
    Column("roas", _("ROAS"), "ratio"),
]

DAILY_COLUMNS = [
    Column("date", _("Date")),
    Column("currency", _("currency")),
    Column("cost", _("Spend"), "money"),
    *VOLUME_COLUMNS,
]

COMPARE_COLUMNS = [
    Column("currency", _("currency")),
    Column("label", _("Figure")),
    Column("current", _("This period"), "auto"),
    Column("previous", _("Previous period"), "auto"),
    Column("change", _("Change"), "percent"),
]
