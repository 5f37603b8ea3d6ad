"""The loader's public result types."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import pyarrow as pa

if TYPE_CHECKING:
    import pandas as pd


# What pyarrow raises on input its fast paths cannot take (the callers then take the slow path).
ARROW_ERRORS: tuple[type[Exception], ...] = (
    pa.ArrowInvalid,
    pa.ArrowNotImplementedError,
    pa.ArrowTypeError,
)


class FileRefused(Exception):
    """The whole file cannot be loaded; ``str(exc)`` is a reason a marketer understands."""


@dataclass
class RowError:
    row: int | None  # 1-based line/row number in the original file (header counts); None = file
    column: str | None  # the file's column header as written
    message: str


@dataclass
class ParsedFile:
    encoding: str  # "utf-8", "utf-8-sig", "cp932", "utf-16", "utf-16-le", "utf-16-be" or "xlsx"
    layout: str  # "long" or "wide"
    platform: str | None  # "google_ads", "yahoo_ads", "meta", "tiktok", "ga4" or None
    header_row: int  # 1-based
    columns: dict[str, str]  # file column -> role
    currency: str | None
    facts: pd.DataFrame  # row, campaign, date, metric, value, source
    errors: list[RowError]
    error_count: int
    skipped: list[tuple[int, str]]
    notes: list[str] = field(default_factory=list)  # file-level remarks (sheet chosen, sums …)
    sheet: str | None = None  # the xlsx sheet that was read
