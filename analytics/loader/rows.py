"""Rows skipped on purpose: blank and note lines, stacked blocks, total rows."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd
from django.utils.translation import gettext as _

from .headers import header_score, norm
from .results import FileRefused, RowError
from .tables import Table, assign_roles, unique_names

MAX_SKIPPED = 1000
TOTAL_RE = (
    r"(?i)(?:合計|総計|総合計|小計|total|totals|grand total|total\s*[:：-].*|"
    r"全\s*\d+\s*件.*|すべての.*合計)"
)


def matches(s: pd.Series, pattern: str) -> np.ndarray:
    """``s.str.fullmatch(pattern)`` as a bool array, matching each distinct cell text once
    (label columns hold few distinct values: days, campaign names)."""
    codes, uniques = pd.factorize(s)
    hit = pd.Series(uniques, dtype="str").str.fullmatch(pattern).fillna(False)
    return np.append(hit.to_numpy(dtype=bool), False)[codes]


class RowFilter:
    """Column roles, row numbers, error collection and the rows that are not data."""

    def __init__(
        self,
        table: Table,
        column_map: dict[str, str],
        notes: list[str],
        *,
        edges: tuple[bool, bool] = (True, True),
    ):
        """``edges``: whether the table's first and last rows are the file's (False for the
        inner sides of a block read from a streamed file)."""
        self.t = table
        self.edges = edges
        self.blank_rows = 0
        self.names = unique_names(table.header)
        self.width = len(self.names)
        self.roles, self.header_currency = assign_roles(table.header, column_map)
        self.df = table.data
        self.rows = np.arange(len(self.df), dtype="int64") + table.first_row
        self.notes = notes
        self.skipped: list[tuple[int, str]] = []
        self.file_errors: list[RowError] = []
        # error chunks: (row numbers, column position, message builder, raw cell texts)
        self.chunks: list[tuple[np.ndarray, int, Callable[[str], str], np.ndarray]] = []
        self.extra = {norm(k) for k in column_map}

    def pos(self, role: str) -> int | None:
        return self.roles.index(role) if role in self.roles else None

    def positions(self, role: str) -> list[int]:
        return [i for i, r in enumerate(self.roles) if r == role]

    def error(self, mask: pd.Series, col: int, build: Callable[[str], str], raw: pd.Series) -> None:
        m = mask.to_numpy(dtype=bool)
        if m.any():
            self.chunks.append((self.rows_of(mask)[m], col, build, raw.to_numpy(dtype=object)[m]))

    def rows_of(self, s: pd.Series) -> np.ndarray:
        return self.rows[s.index.to_numpy()]

    def filter_rows(self) -> None:
        df = self.df
        n = len(df)
        nonempty = df != ""
        counts = nonempty.sum(axis=1).to_numpy()
        blank = counts == 0
        self.blank_rows = int(blank.sum())
        end = self._block_end(blank)
        keep = np.arange(n) < end
        for i in np.flatnonzero(blank & keep):
            self.skip(int(self.rows[i]), _("blank line"))

        metric_cols = [
            i for i, r in enumerate(self.roles) if r.startswith("metric") or r == "value"
        ]
        first_cell = df[0] if n else pd.Series([], dtype="str")
        single_col = nonempty.to_numpy().argmax(axis=1) if n else np.array([], dtype=int)
        note = (counts == 1) & (self.width > 1) & ~np.isin(single_col, metric_cols)
        note |= first_cell.str.startswith("#").to_numpy(dtype=bool)
        note &= keep & ~blank
        for i in np.flatnonzero(note):
            text = df.iat[i, int(single_col[i])]
            self.skip(int(self.rows[i]), _("note line “%(text)s”") % {"text": text[:80]})

        total = self._totals(keep & ~blank & ~note)
        data = keep & ~blank & ~note & ~total
        if not data.any():
            raise FileRefused(self._no_data_reason(note, total))
        self.df = df[data]

    def skip(self, row: int, reason: str) -> None:
        if len(self.skipped) < MAX_SKIPPED:
            self.skipped.append((row, reason))

    def _block_end(self, blank: np.ndarray) -> int:
        df = self.df
        nonblank = np.flatnonzero(~blank)
        header_norm = [norm(h) for h in self.t.header]
        for b in np.flatnonzero(blank)[:1000]:
            k = np.searchsorted(nonblank, b)
            if k >= len(nonblank):
                break
            j = int(nonblank[k])
            cells = [str(c) for c in df.iloc[j].tolist()]
            filled = [c for c in cells if c]
            starts_block = (
                (len(filled) == 1 and self.width > 1)
                or cells[0].startswith("#")
                or [norm(c) for c in cells[: self.width]] == header_norm
                or header_score(cells, self.extra) >= 2
            )
            if starts_block:
                last = int(nonblank[-1])
                self.skip(
                    int(self.rows[j]),
                    _(
                        "lines %(a)d–%(b)d: another table (“%(title)s”) below the first one was "
                        "not loaded; only the first table in a file is read"
                    )
                    % {"a": self.rows[j], "b": self.rows[last], "title": filled[0][:80]},
                )
                return int(b)
        return len(df)

    def _label_positions(self) -> list[int]:
        return [i for i, r in enumerate(self.roles) if r in ("campaign", "dimension", "date")]

    def _totals(self, candidate: np.ndarray) -> np.ndarray:
        df = self.df
        labels = self._label_positions()
        check = sorted(set(labels) | {0} | {c for c in df.columns if c >= self.width})
        total = np.zeros(len(df), dtype=bool)
        for c in check:
            hit = matches(df[c], TOTAL_RE) & candidate
            for i in np.flatnonzero(hit & ~total):
                self.skip(int(self.rows[i]), _("total row “%(text)s”") % {"text": df.iat[i, c]})
            total |= hit
        if labels:
            nonempty = {c: (df[c] != "").to_numpy(dtype=bool) for c in labels}
            for side in [s for s, edge in zip((0, -1), self.edges, strict=True) if edge]:
                rest = np.flatnonzero(candidate & ~total)
                if len(rest) < 2:
                    break
                edge = int(rest[side])
                others = np.delete(rest, side)
                filled = [c for c in labels if nonempty[c][others].any()]
                if filled and all(df.iat[edge, c] == "" for c in filled):
                    total[edge] = True
                    self.skip(int(self.rows[edge]), _("total row (its name columns are empty)"))
        return total

    def _no_data_reason(self, note: np.ndarray, total: np.ndarray) -> str:
        if note.any():
            i = int(np.flatnonzero(note)[0])
            text = next(c for c in self.df.iloc[i].tolist() if c)
            return _("This file has no data rows: the export says “%(text)s”") % {"text": text}
        if total.any():
            return _(
                "This file has no data rows: it only holds total rows, no campaign or day rows."
            )
        return _("This file has no data rows: there is nothing under the header row.")
