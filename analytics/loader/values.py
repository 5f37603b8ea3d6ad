"""Vectorised cell parsing: numbers and dates, a whole column at a time.

Numbers: ``1,234``, ``"1,043,420"``, ``¥1,234``, ``￥1,234``, ``$1,234.56``, ``1234円``, full-width
digits ``１２３``, exponents from spreadsheets (``1e-05``). Empty cells, ``--``/`` --``/``-``,
``n/a`` and Google Ads' bucketed shares (``< 10%``, ``> 90%``) hold no value: the cell is
skipped, which is not an error. A percentage such as ``12.5%`` is read as 12.5, but every
canonical metric is an additive amount or count, so a percentage in a metric column is reported
as an error (it means a rate column was mapped to a metric); rate columns (CTR, conv. rate …) are
ignored by detection anyway.

Dates: ``2026-11-01``, ``2026/11/01``, ``2026.11.01``, ``2026年11月1日`` (optionally ``(日)``),
``20261101`` (GA4's YYYYMMDD), ISO datetimes (``2023-07-08T00:00:00``, the time is dropped),
English month names (``July 1, 2025``, ``1 July 2025``, ``Jul 1, 2025``) and Excel serial day
numbers (20000–80000, i.e. 1954–2119), which is how an xlsx date cell without a date format
arrives. Slash dates with the day or month first (``11/01/2026``) are ambiguous and refused.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from .results import ARROW_ERRORS

_CAST_ERRORS: tuple[type[Exception], ...] = (*ARROW_ERRORS, TypeError)

_FULL = "０１２３４５６７８９，．－＋％￥＄／：　"
_HALF = "0123456789,.-+%¥$/: "
FULLWIDTH = str.maketrans(_FULL, _HALF)

NO_VALUE_RE = r"(?i)(?:|-+|—|–|n/?a|null|none|\(not set\)|[<>]\s*\d+(?:\.\d+)?\s*%)"
NUMBER_RE = (
    r"[+-]?(?:[0-9]{1,3}(?:,[0-9]{3})+|[0-9]+)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?|[+-]?\.[0-9]+"
)

_DATE_PATTERNS = (
    # 2026-11-01, 2026/11/01, 2026.11.01, optional time or weekday
    r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})"
    r"(?:[T ]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?|\s*[(（]\S[)）])?$",
    # 2026年11月1日, 2026年11月1日(日)
    r"^(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日(?:\s*[(（]\S[)）])?$",
    # 20261101
    r"^(\d{4})(\d{2})(\d{2})$",
)
_NAMED_MONTH_FORMATS = ("%B %d, %Y", "%b %d, %Y", "%d %B %Y", "%d %b %Y", "%b %d %Y")
_SERIAL_RE = r"\d{5}(?:\.0+)?"
_EXCEL_EPOCH = pd.Timestamp("1899-12-30")


def clean(s: pd.Series) -> pd.Series:
    """Full-width to ASCII and trimmed (string dtype, no missing values)."""
    return s.astype("str").fillna("").str.translate(FULLWIDTH).str.strip()


def _cast_all(t: pd.Series) -> np.ndarray | None:
    """The whole column through pyarrow's string-to-double cast, when every cell is a plain
    number (no thousands separators, signs of currency, empty cells…); else None."""
    try:
        array = pa.array(t.to_numpy(dtype=object), type=pa.string()) if t.dtype == object else None
        if array is None:
            array = pa.array(t.array)
        values = pc.cast(array, pa.float64()).to_numpy(zero_copy_only=False)
    except _CAST_ERRORS:
        return None
    if len(values) and not np.isfinite(values).all():
        return None
    return values.astype("float64", copy=False)


# "￥12,000", "$1,234.50", "1,043,420": the formatted amounts of most exports, read by arrow's
# kernels alone when a whole column is written so
_AMOUNT_RE = r"^[+-]?[¥￥$]?(?:[0-9]{1,3}(?:,[0-9]{3})+|[0-9]+)(?:\.[0-9]+)?$"


def _cast_amounts(t: pd.Series) -> np.ndarray | None:
    """The whole column as numbers when every cell is a plain or formatted amount
    (``_AMOUNT_RE``: a currency sign and thousands separators); else None."""
    try:
        array = pa.array(t.array) if t.dtype != object else pa.array(t.to_numpy(), pa.string())
        if not pc.all(pc.match_substring_regex(array, _AMOUNT_RE)).as_py():
            return None
        bare = pc.replace_substring_regex(array, "[¥￥$,]", "")
        values = pc.cast(bare, pa.float64()).to_numpy(zero_copy_only=False)
    except _CAST_ERRORS:
        return None
    return values.astype("float64", copy=False)


_SIGN_RE = r"^([+-]?)\s*(?:[¥$€£]|JPY|USD)\s*"
_UNIT_RE = r"\s*(?:円|%)$"


def _cleaned(t: pd.Series) -> tuple[pd.Series, pd.Series]:
    """(cell made ASCII and trimmed, the same without currency sign or unit), with pyarrow's
    compute kernels (C++, RE2) where they are available, else with pandas' string methods."""
    try:
        arr = pa.array(t.to_numpy(dtype=object), type=pa.string())
        for full, half in zip(_FULL, _HALF, strict=True):
            arr = pc.replace_substring(arr, full, half)
        arr = pc.utf8_trim_whitespace(arr)
        body = pc.replace_substring_regex(arr, _SIGN_RE, "\\1")
        body = pc.utf8_trim_whitespace(pc.replace_substring_regex(body, _UNIT_RE, ""))
        as_str = {pa.string(): pd.StringDtype("pyarrow", na_value=np.nan)}.get
        return (
            pd.Series(arr.to_pandas(types_mapper=as_str).array, index=t.index),
            pd.Series(body.to_pandas(types_mapper=as_str).array, index=t.index),
        )
    except ARROW_ERRORS:
        sub = clean(t)
        body = (
            sub.str.replace(_SIGN_RE, r"\1", regex=True)
            .str.replace(_UNIT_RE, "", regex=True)
            .str.strip()
        )
        return sub, body


def parse_numbers(s: pd.Series) -> tuple[pd.Series, pd.Series, pd.Series]:
    """Return (values as float64 with NaN for "no value", invalid mask, percent mask).

    Plain numbers take the fast path (``to_numeric``); only the other cells are cleaned.
    """
    t = s.astype("str").fillna("").str.strip()
    exact = _cast_all(t)
    if exact is None and len(t):
        exact = _cast_amounts(t)
    if exact is not None:  # every cell a plain finite number: nothing else to look at
        false = pd.Series(False, index=s.index)
        return pd.Series(exact, index=s.index), false, false.copy()
    values = pd.Series(pd.to_numeric(t, errors="coerce"), index=s.index).astype("float64")
    fast = np.isfinite(values.to_numpy())
    values[~fast] = np.nan
    invalid = pd.Series(False, index=s.index)
    percent = pd.Series(False, index=s.index)
    rest = ~fast & (t != "").to_numpy(dtype=bool)
    if rest.any():  # "1,234": thousands separators (still vectorised)
        sub = t[rest]
        commas = sub.str.fullmatch(NUMBER_RE).fillna(False).to_numpy(dtype=bool, copy=True)
        nums = pd.to_numeric(sub[commas].str.replace(",", "", regex=False), errors="coerce")
        nums = np.asarray(nums, dtype="float64")
        commas[commas] = np.isfinite(nums)
        values[sub.index[commas]] = nums[np.isfinite(nums)]
        rest[rest] = ~commas
    if rest.any():  # currency signs, full-width digits, "--", "< 10%", percentages, garbage
        sub, body = _cleaned(t[rest])
        empty = sub.str.fullmatch(NO_VALUE_RE).fillna(False).astype(bool)
        pct = sub.str.endswith("%").fillna(False).astype(bool) & ~empty
        ok = body.str.fullmatch(NUMBER_RE).fillna(False).astype(bool) & ~empty
        nums = pd.to_numeric(body.where(ok).str.replace(",", "", regex=False), errors="coerce")
        values[rest] = pd.Series(nums, index=sub.index).astype("float64")
        invalid[rest] = (~empty & ~ok).to_numpy()
        percent[rest] = pct.to_numpy()
    return values, invalid, percent


def parse_dates(s: pd.Series) -> tuple[pd.Series, pd.Series, pd.Series]:
    """Return (datetime64 Series with NaT, invalid mask, empty mask).

    Each distinct text is parsed once (a file has few distinct days).
    """
    t = s.astype("str").fillna("")
    codes, uniques = pd.factorize(t)
    parsed = _parse_unique_dates(pd.Series(np.asarray(uniques, dtype=object), dtype="str"))
    out = pd.Series(parsed.to_numpy()[codes], index=s.index, dtype="datetime64[ns]")
    empty = (t.str.strip() == "").to_numpy(dtype=bool)
    invalid = pd.Series(out.isna().to_numpy() & ~empty, index=s.index)
    return out, invalid, pd.Series(empty, index=s.index)


def _parse_unique_dates(s: pd.Series) -> pd.Series:
    t = clean(s)
    empty = (t == "").fillna(True).astype(bool)
    out = pd.Series(pd.to_datetime(t, format="%Y-%m-%d", errors="coerce"), index=s.index).astype(
        "datetime64[ns]"
    )
    todo = out.isna() & ~empty
    if todo.any():
        parts = pd.DataFrame(np.nan, index=t.index[todo], columns=["year", "month", "day"])
        for pattern in _DATE_PATTERNS:
            left = parts["year"].isna()
            if not left.any():
                break
            found = t[parts.index[left]].str.extract(pattern).apply(pd.to_numeric, errors="coerce")
            parts.loc[left, ["year", "month", "day"]] = found.to_numpy(dtype="float64")
        out[todo] = pd.to_datetime(parts, errors="coerce").astype("datetime64[ns]")
    rest = out.isna() & ~empty
    if rest.any():
        serial = t[rest].str.fullmatch(_SERIAL_RE).fillna(False).astype(bool)
        if serial.any():
            days = pd.to_numeric(t[rest][serial], errors="coerce")
            days = days[(days >= 20000) & (days <= 80000)]
            out[days.index] = _EXCEL_EPOCH + pd.to_timedelta(days.astype("int64"), unit="D")
        for fmt in _NAMED_MONTH_FORMATS:
            rest = out.isna() & ~empty
            if not rest.any():
                break
            named = t[rest].str.replace(".", "", regex=False)
            out[rest] = pd.to_datetime(named, format=fmt, errors="coerce")
    return out
