"""Parse an uploaded metrics file into facts: the front half of the one metrics loader.

``parse_file(data, filename, column_map=None)`` turns the bytes of a CSV/TSV/xlsx export into a
:class:`ParsedFile` (pure Python + pandas: no models, no database). The rules, in order:

1. **Decode** (``decode.py``): UTF-16 with BOM (stray odd trailing byte dropped), UTF-8 BOM,
   UTF-8, CP932; ``.xlsx`` by name or zip magic. The separator (comma, tab, semicolon) is sniffed;
   an Excel ``sep=,`` first line wins.
2. **Header row**: among the first 60 lines, skipping blank lines, ``#`` comments and ``sep=``,
   the first row with the most known column names (see ``headers.py``; names in ``column_map``
   count too). With no known name at all, the first row with at least two filled cells. Title
   and period lines above it become the preamble. In a workbook, the first sheet with a date
   and a metric column is read (then the first with metrics, then the first with a date).
3. **One table only**: a blank line followed by a title line, a ``#`` line or another header
   starts a second stacked block; it and everything under it is not loaded (one ``skipped``
   entry says which lines).
4. **Rows skipped on purpose** (each listed in ``skipped`` with its line number): blank lines;
   lines with a single filled cell outside the metric columns (``"No data available."``) and
   ``#`` lines; total rows, i.e. a name/first/overflow cell reading 合計, 総計, 小計, Total,
   ``Total: …``, Grand total or ``全N件の結果``; and the first or last row when its name columns
   (campaign, breakdown dimensions, date) are all empty while other rows fill them.
5. **Refusals** (:class:`FileRefused`), in this order: nothing under the header but totals or
   notes ("no data rows"); no per-day date column, including Meta's ``Reporting starts/ends``
   pair when it spans more than one day ("no per-day date column: the export is one total over
   a date range"; when every row starts and ends on the same day that column is the date); no
   metric column ("no metric columns").
6. **Layout**: *long* when the file has a metric-name column and a value column (``metric``,
   ``value``; metric names may be keys or any header alias), else *wide*: one column per metric.
   Unknown columns are ``ignored``; a second column for the same role is ``ignored`` too.
7. **Cells** (``values.py``; the checks are in ``cells.py``): every invalid cell is a
   :class:`RowError` with the file's line number and column header; valid cells of the same row
   still become facts. Errors: unreadable dates or numbers, empty dates or campaign names,
   negative values, fractional impressions / clicks / sessions, percentages in a metric column,
   unknown metric names (long layout), a currency that differs from the rest of the file. Empty,
   ``--``, ``-`` and ``< 10%`` cells hold no value and make no fact. The error list is capped at
   1000; ``error_count`` is the total.
8. **Duplicates**: the same (campaign, date[, source][, metric in long files]) on two rows is an
   error on the later row ("Duplicate of row N") — unless the file has breakdown columns (role
   ``dimension``: ad group, ad set, ad, device, region, account, network, keyword …) whose values
   differ, in which case the rows are one campaign's parts and their values are summed per
   (campaign, date, source, metric); all canonical metrics are additive. A note says so, and a
   fact's ``row`` is then the first line that contributed to it. Rows equal in every breakdown
   column too are still duplicates.

Roles in ``columns`` (and accepted in ``column_map``): ``date``, ``campaign``, ``source``,
``currency``, ``metric:<key>``, ``dimension``, ``metric`` and ``value`` (long layout), ``ignored``.
``facts`` has the columns row (int), campaign (str, or None without a campaign column), date
(datetime.date), metric (str in METRIC_KEYS), value (float) and source (str, or None without a
source column). Row numbers are physical lines (sheet rows in xlsx); a quoted cell spanning
several lines shifts the numbers of the rows below it. Besides the agreed fields, ``ParsedFile``
has ``notes`` (file-level remarks: stray byte dropped, sheet chosen, breakdown rows summed) and
``sheet`` (the xlsx sheet read). ``platform`` is a best guess from the headers (and a GA4
``# Property`` preamble), used as the default fact source.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
from django.utils.translation import gettext as _

from .cells import CellChecks
from .decode import decode_text, is_xlsx
from .headers import (
    BASE_ROLES,
    METRIC_KEYS,
    RANGE_END,
    RANGE_START,
    detect_platform,
)
from .results import FileRefused, ParsedFile, RowError
from .stream import NotStreamable
from .tables import Table, csv_table, xlsx_table
from .values import parse_dates

MAX_ERRORS = 1000
_PERIOD_RE = re.compile(r"\d{4}|all time|全期間", re.IGNORECASE)


def check_column_map(column_map: dict[str, str] | None) -> dict[str, str]:
    column_map = dict(column_map or {})
    for role in column_map.values():
        if role not in BASE_ROLES and not (role.startswith("metric:") and role[7:] in METRIC_KEYS):
            raise ValueError(f"unknown column role {role!r}")
    return column_map


def parse_file(
    data: bytes, filename: str, *, column_map: dict[str, str] | None = None
) -> ParsedFile:
    """Parse one export; raise :class:`FileRefused` when the whole file cannot be loaded."""
    column_map = check_column_map(column_map)
    if not data.strip(b" \t\r\n\x00\xef\xbb\xbf\xff\xfe"):
        raise FileRefused(_("The file is empty."))
    notes: list[str] = []
    sheet = None
    if is_xlsx(data, filename):
        encoding = "xlsx"
        table, sheet = xlsx_table(data, column_map, notes)
    else:
        text, encoding, decode_notes = decode_text(data)
        notes += decode_notes
        table = csv_table(text, column_map)
    parsed = _Parser(table, column_map, notes).run()
    parsed.encoding = encoding
    parsed.sheet = sheet
    return parsed


def parse_block(
    table: Table,
    column_map: dict[str, str],
    *,
    edges: tuple[bool, bool],
    currency: str | None,
) -> ParsedFile:
    """Parse one block of a streamed file (see ``stream.py``): the same rules as ``parse_file``
    applied to the block's rows. ``edges`` says whether the block holds the file's first and
    last rows (the empty-name total rule looks only there); ``currency`` is the file's currency
    found in earlier blocks. Duplicates are found within the block only: across blocks they are
    the caller's to find."""
    parser = _Parser(table, column_map, [], edges=edges)
    if currency:
        parser.header_currency = currency
    try:
        parsed = parser.run()
    except FileRefused as exc:  # e.g. a block of total rows only: the whole file decides
        raise NotStreamable(str(exc)) from exc
    if parser.blank_rows:  # a blank row may end the table (rule 3): the whole file decides
        raise NotStreamable("blank rows inside the table")
    return parsed


# --------------------------------------------------------------------------- the parser


_RANGE_RE = re.compile(r"^\s*(\S.*?\d)\s+[-–~〜]\s+(\d.*\S)\s*$")


def _date_message(raw: str) -> str:
    if _RANGE_RE.match(raw):
        return _("“%(raw)s” is a date range, not a day: export the report broken down by day.") % {
            "raw": raw
        }
    return _(
        "“%(raw)s” is not a date we can read: use YYYY-MM-DD, YYYY/MM/DD, 2026年11月1日 or "
        "YYYYMMDD."
    ) % {"raw": raw}


def _texts(cells: np.ndarray, good: np.ndarray) -> pd.Series:
    """The text cells (Python strings) of the good rows, kept as objects: a frame built from
    them would otherwise convert them to arrow strings, which ``_assemble`` turns back."""
    return pd.Series(cells[good], dtype=object, copy=False)


class _Parser(CellChecks):
    def run(self) -> ParsedFile:
        self.filter_rows()
        return self._facts()

    def _period(self) -> str:
        for line in self.t.preamble:
            text = line.lstrip("#").strip().strip('"').strip()
            if _PERIOD_RE.search(text) and len(text) < 80:
                return text
        return ""

    # ------------------------------------------------------------------ facts
    def _resolve_date(self) -> tuple[int, pd.Series]:
        date_pos = self.pos("date")
        start, end = self.pos(RANGE_START), self.pos(RANGE_END)
        for p in (start, end):
            if p is not None:
                self.roles[p] = "ignored"
        if date_pos is not None:
            return date_pos, parse_dates(self.df[date_pos])[0]
        period = self._period()
        if start is not None:
            s = parse_dates(self.df[start])[0]
            e = parse_dates(self.df[end])[0] if end is not None else s.where(False)
            if s.notna().all() and e.notna().all() and (s == e).all():
                self.roles[start] = "date"
                return start, s
            if s.notna().any():
                last = e.max() if e.notna().any() else s.max()
                period = f"{s.min():%Y-%m-%d} – {last:%Y-%m-%d}"
        raise FileRefused(
            _(
                "This file has no per-day date column: the export is one total over a date "
                "range%(period)s, so its figures cannot be put on days. Download the report "
                "broken down by day (add the “Day” / “日” column, “Date” in GA4) and upload it "
                "again."
            )
            % {"period": f" ({period})" if period else ""}
        )

    def _facts(self) -> ParsedFile:
        df = self.df
        date_pos, dates = self._resolve_date()
        layout = (
            "long" if self.pos("metric") is not None and self.pos("value") is not None else "wide"
        )
        if layout == "long":
            for i, r in enumerate(self.roles):
                if r.startswith("metric:"):
                    self.roles[i] = "ignored"
        else:
            for p in (self.pos("metric"), self.pos("value")):
                if p is not None:
                    self.roles[p] = "ignored"
        metric_cols = [(i, r[7:]) for i, r in enumerate(self.roles) if r.startswith("metric:")]
        if layout == "wide" and not metric_cols:
            raise FileRefused(
                _(
                    "This file has no metric columns we recognise (columns: %(cols)s). Expected "
                    "columns such as Impressions/表示回数, Clicks/クリック数, Cost/費用, "
                    "Conversions/コンバージョン, Conv. value/コンバージョン値 or Sessions; or map "
                    "a column to a metric in the column mapping."
                )
                % {"cols": ", ".join(self.names[: self.width])[:300]}
            )

        date_raw = df[date_pos]
        date_empty = date_raw == ""
        row_ok = dates.notna().to_numpy(dtype=bool, copy=True)  # updated in place below
        self.error(date_empty, date_pos, lambda _raw: _("The date is empty."), date_raw)
        self.error(dates.isna() & ~date_empty, date_pos, _date_message, date_raw)
        campaign = self._text_column("campaign", row_ok, _("The campaign name is empty."))
        source = self._text_column("source", row_ok, None)
        currency = self._currency(row_ok)

        dims = {f"dim{p}": df[p] for p in self.positions("dimension")}
        key = pd.DataFrame({"campaign": campaign, "date": dates, "source": source, **dims})
        if layout == "long":
            mpos, vpos = self.pos("metric"), self.pos("value")
            assert mpos is not None and vpos is not None
            metric = self._metric_names(df[mpos], row_ok)
            key["metric"] = metric
            values = [(vpos, metric)]
        else:
            values = [(p, pd.Series(k, index=df.index, dtype=object)) for p, k in metric_cols]
        self._duplicates(key, row_ok, layout, date_pos)

        # as Python strings once: a wide file's rows make a part per metric column
        texts = {"campaign": campaign, "source": source, **dims}
        cells = {name: column.to_numpy(dtype=object) for name, column in texts.items()}
        parts = []
        for p, metric in values:
            vals, ok = self._numbers(p, metric)
            good = ok.to_numpy(dtype=bool) & row_ok & vals.notna().to_numpy(dtype=bool)
            if good.any():
                parts.append(
                    pd.DataFrame(
                        {
                            "row": self.rows_of(vals)[good],
                            "campaign": _texts(cells["campaign"], good),
                            "date": dates.to_numpy()[good],
                            "metric": _texts(metric.to_numpy(dtype=object), good),
                            "value": vals.to_numpy(dtype="float64")[good],
                            "source": _texts(cells["source"], good),
                            **{k: _texts(cells[k], good) for k in dims},
                        }
                    )
                )
        facts = self._assemble(parts, list(dims))
        errors, count = self._errors()
        columns = {
            name: ("ignored" if role in (RANGE_START, RANGE_END) else role)
            for name, role in zip(self.names, self.roles, strict=True)
        }
        return ParsedFile(
            encoding="",
            layout=layout,
            platform=detect_platform(self.t.header, self.t.preamble),
            header_row=self.t.header_row,
            columns=columns,
            currency=currency,
            facts=facts,
            errors=errors,
            error_count=count,
            skipped=sorted(self.skipped),
            notes=self.notes,
        )

    def _assemble(self, parts: list[pd.DataFrame], dims: list[str]) -> pd.DataFrame:
        cols = ["row", "campaign", "date", "metric", "value", "source"]
        if not parts:
            return pd.DataFrame({c: pd.Series([], dtype=object) for c in cols}).astype(
                {"row": "int64", "value": "float64"}
            )
        facts = pd.concat(parts, ignore_index=True)
        if dims:
            keys = ["campaign", "date", "source", "metric"]
            before = len(facts)
            facts = facts.groupby(keys, dropna=False, sort=False, as_index=False).agg(
                row=("row", "min"), value=("value", "sum")
            )
            if len(facts) < before:
                dim_names = ", ".join(self.names[p] for p in self.positions("dimension"))
                self.notes.append(
                    _(
                        "The file is broken down by %(dims)s: %(before)d values were summed into "
                        "%(after)d facts (one per campaign, day and metric)."
                    )
                    % {"dims": dim_names, "before": before, "after": len(facts)}
                )
        if not facts["row"].is_monotonic_increasing:
            facts = facts.sort_values(["row"], kind="stable", ignore_index=True)
        codes, uniques = pd.factorize(facts["date"])
        days = np.array([ts.date() for ts in pd.DatetimeIndex(uniques)], dtype=object)
        facts["date"] = days[codes] if len(codes) else np.array([], dtype=object)
        for c in ("campaign", "source", "metric"):
            if facts[c].dtype != object or facts[c].isna().any():
                facts[c] = facts[c].astype(object).where(facts[c].notna(), None)
        facts["row"] = facts["row"].astype("int64")
        facts["value"] = facts["value"].astype("float64")
        return facts[cols]

    def _errors(self) -> tuple[list[RowError], int]:
        count = len(self.file_errors) + sum(len(c[0]) for c in self.chunks)
        out = list(self.file_errors)
        if self.chunks:
            rows = np.concatenate([c[0] for c in self.chunks])
            cols = np.concatenate([np.full(len(c[0]), c[1]) for c in self.chunks])
            which = np.concatenate([np.full(len(c[0]), i) for i, c in enumerate(self.chunks)])
            offset = np.concatenate([np.arange(len(c[0])) for c in self.chunks])
            order = np.lexsort((cols, rows))[: MAX_ERRORS - len(out)]
            for o in order:
                _rows, col, build, raws = self.chunks[which[o]]
                out.append(RowError(int(rows[o]), self.names[col], build(raws[offset[o]])))
        return out, count
