"""Per-cell checks of the parser: text, currency, metric-name and number columns, duplicates.

Rules 7 and 8 of :mod:`analytics.loader.parse`. :class:`CellChecks` is the part of the parser
that turns invalid cells into row errors; ``parse._Parser`` builds the facts on top of it.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from django.utils.translation import gettext as _

from .headers import METRIC_KEYS, METRIC_NAMES, norm
from .rows import RowFilter
from .values import clean, parse_numbers

COUNT_KEYS = frozenset({"impressions", "clicks", "sessions"})


def row_codes(frame: pd.DataFrame) -> pd.Index:
    """One int64 per row, equal exactly when the rows are equal (columns factorized)."""
    combined = np.zeros(len(frame), dtype="int64")
    span = 1  # combined < span
    for column in frame.columns:
        codes, uniques = pd.factorize(frame[column], use_na_sentinel=False)
        if span * (len(uniques) + 1) >= 2**62:  # renumber densely before it could overflow
            combined, seen = pd.factorize(combined)
            span = len(seen)
        combined = combined * (len(uniques) + 1) + codes
        span *= len(uniques) + 1
    return pd.Index(combined)


def duplicate_message(first_row: int, layout: str) -> str:
    what = _("campaign, date and metric") if layout == "long" else _("campaign and date")
    return _("Duplicate of row %(row)d: the same %(what)s appear twice.") % {
        "row": first_row,
        "what": what,
    }


class CellChecks(RowFilter):
    def _text_column(self, role: str, row_ok: np.ndarray, empty_message: str | None) -> pd.Series:
        p = self.pos(role)
        if p is None:
            return pd.Series(None, index=self.df.index, dtype=object)
        s = self.df[p]
        empty = s == ""
        if empty_message is not None:
            self.error(empty, p, lambda _raw: empty_message, s)
            row_ok &= ~empty.to_numpy(dtype=bool)
        return s.where(~empty)  # arrow strings: what the duplicate check factorizes fastest

    def _currency(self, row_ok: np.ndarray) -> str | None:
        p = self.pos("currency")
        file_currency = self.header_currency
        if p is None:
            return file_currency
        s = clean(self.df[p]).str.upper().replace({"円": "JPY", "¥": "JPY"})
        valid = s.str.fullmatch(r"[A-Z]{3}").fillna(False).astype(bool)
        if not valid.any():
            return file_currency
        if file_currency is None:
            file_currency = str(s[valid].iloc[0])
        other = valid & (s != file_currency)
        cur = file_currency
        self.error(
            other,
            p,
            lambda raw: (
                _(
                    "The currency is %(raw)s but the rest of the file is in %(cur)s: upload one "
                    "currency per file."
                )
                % {"raw": raw, "cur": cur}
            ),
            s,
        )
        row_ok &= ~other.to_numpy(dtype=bool)
        return file_currency

    def _metric_names(self, s: pd.Series, row_ok: np.ndarray) -> pd.Series:
        codes, uniques = pd.factorize(s)
        # a category per metric key: the keys' codes come free to the duplicate check
        keys = [METRIC_NAMES.get(norm(u)) for u in uniques]
        categories = list(dict.fromkeys(k for k in keys if k is not None))
        key_codes = np.array([categories.index(k) if k else -1 for k in keys] + [-1])
        metric = pd.Series(
            pd.Categorical.from_codes(key_codes[codes], categories=categories), index=s.index
        )
        p = self.roles.index("metric")
        self.error(s == "", p, lambda _raw: _("The metric name is empty."), s)
        self.error(
            metric.isna() & (s != ""),
            p,
            lambda raw: (
                _("Unknown metric “%(raw)s”: use one of %(keys)s.")
                % {"raw": raw, "keys": ", ".join(METRIC_KEYS)}
            ),
            s,
        )
        row_ok &= metric.notna().to_numpy(dtype=bool)
        return metric

    def _numbers(self, p: int, metric: pd.Series) -> tuple[pd.Series, pd.Series]:
        raw = self.df[p]
        vals, invalid, percent = parse_numbers(raw)
        names = metric.astype(object)
        negative = (vals < 0).fillna(False)
        fraction = (names.isin(COUNT_KEYS) & (vals % 1 != 0) & vals.notna()).astype(bool)
        self.error(invalid, p, lambda r: _("“%(raw)s” is not a number.") % {"raw": r}, raw)
        self.error(
            percent & ~invalid,
            p,
            lambda r: (
                _(
                    "“%(raw)s” is a percentage, but this column should hold an amount or a count: "
                    "is the right column mapped?"
                )
                % {"raw": r}
            ),
            raw,
        )
        self.error(
            negative & ~percent,
            p,
            lambda r: _("“%(raw)s” is negative; metric values cannot be negative.") % {"raw": r},
            raw,
        )
        self.error(
            fraction & ~negative & ~percent,
            p,
            lambda r: _("“%(raw)s” is not a whole number; this metric is a count.") % {"raw": r},
            raw,
        )
        ok = ~(invalid | percent | negative | fraction)
        return vals, ok

    def _duplicates(self, key: pd.DataFrame, row_ok: np.ndarray, layout: str, col: int) -> None:
        k = key[row_ok]
        if k.empty:
            return
        dup = pd.Series(row_codes(k).duplicated(keep="first"), index=k.index)
        if not dup.any():
            return
        rows = pd.Series(self.rows_of(k), index=k.index)
        first = rows.groupby([k[c] for c in k.columns], dropna=False, sort=False).transform("first")
        first_of = dict(zip(k.index[dup.to_numpy()], first[dup].astype(int), strict=True))
        mask = pd.Series(False, index=key.index)
        mask[k.index[dup.to_numpy()]] = True
        raw = pd.Series(list(key.index), index=key.index, dtype=object)
        self.error(
            mask,
            col,
            lambda idx: duplicate_message(first_of[idx], layout),  # type: ignore[index]
            raw,
        )
        row_ok &= ~mask.to_numpy(dtype=bool)
