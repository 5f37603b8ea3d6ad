"""Numbers as people read them: money per currency, percentages and ratios, "—" for n/a.

One helper for tables, exports' display columns and chart labels alike. Yen have no decimals;
in Japanese, summaries and chart axes may use 万 / 億 (``1.2万円``) while tables keep full numbers
(``12,000円``); in English yen read ``¥12,000``. Other currencies keep their usual decimals and
symbol and are never added to yen (the callers keep one total per currency).
"""

from __future__ import annotations

from django.utils import translation

NA = "—"

# Symbol and decimals of the currencies marketers use; others print their ISO code.
CURRENCIES: dict[str, tuple[str, int]] = {
    "JPY": ("¥", 0),
    "USD": ("$", 2),
    "EUR": ("€", 2),
    "GBP": ("£", 2),
    "CNY": ("CN¥", 2),
    "KRW": ("₩", 0),
    "TWD": ("NT$", 0),
    "HKD": ("HK$", 2),
    "SGD": ("S$", 2),
    "AUD": ("A$", 2),
}


def _japanese(language: str | None) -> bool:
    return (language or translation.get_language() or "en").startswith("ja")


def format_number(value: float | None, decimals: int = 0) -> str:
    if value is None:
        return NA
    return f"{value:,.{decimals}f}"


def _compact_ja(value: float) -> str:
    """12,000 -> 1.2万; 12,345,678 -> 1,235万; 234,000,000 -> 2.3億 (summaries and axes)."""
    sign = "-" if value < 0 else ""
    value = abs(value)
    if value >= 100_000_000:
        amount, unit = value / 100_000_000, "億"
    elif value >= 10_000:
        amount, unit = value / 10_000, "万"
    else:
        return f"{sign}{value:,.0f}"
    text = f"{amount:,.1f}" if amount < 100 else f"{amount:,.0f}"
    return f"{sign}{text.removesuffix('.0')}{unit}"


def format_money(
    value: float | None,
    currency: str = "JPY",
    *,
    compact: bool = False,
    language: str | None = None,
) -> str:
    """Money in its currency: ``¥12,000`` (en); ``12,000円``, compact ``1.2万円`` (ja)."""
    if value is None:
        return NA
    currency = (currency or "JPY").upper()
    symbol, decimals = CURRENCIES.get(currency, (currency + " ", 2))
    if currency == "JPY" and _japanese(language):
        return f"{_compact_ja(value) if compact else format_number(value)}円"
    sign = "-" if value < 0 else ""
    return f"{sign}{symbol}{abs(value):,.{decimals}f}"


def format_percent(value: float | None) -> str:
    """A share (0.0123) as a percentage with one decimal (1.2%)."""
    return NA if value is None else f"{value * 100:,.1f}%"


def format_ratio(value: float | None, unit: str = "×") -> str:
    """ROAS and similar ratios with their unit: 3.25×."""
    return NA if value is None else f"{value:,.2f}{unit}"


def format_value(
    value: float | None, kind: str, *, currency: str = "JPY", compact: bool = False
) -> str:
    """Format by KPI display format: ``number``, ``currency``, ``percent`` or ``ratio``."""
    if kind == "currency":
        return format_money(value, currency, compact=compact)
    if kind == "percent":
        return format_percent(value)
    if kind == "ratio":
        return format_ratio(value)
    if value is not None and compact and _japanese(None):
        return _compact_ja(value)
    return format_number(value, 0 if value is None or float(value).is_integer() else 2)
