"""Template helpers for analytics pages: embed a plotly figure safely, format money and ratios."""

from __future__ import annotations

import json
from itertools import count
from typing import Any

from django import template
from django.core.serializers.json import DjangoJSONEncoder
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

from ..formatting import format_money, format_number, format_percent, format_ratio

register = template.Library()

# The same escapes as django.utils.html.json_script: the JSON cannot close the <script> element.
_JSON_ESCAPES = {ord(">"): "\\u003E", ord("<"): "\\u003C", ord("&"): "\\u0026"}
_ids = count(1)


@register.simple_tag
def chart(figure: dict[str, Any] | None, label: str = "", chart_id: str = "") -> SafeString:
    """A chart container plus its figure as ``<script type="application/json" data-chart>``.

    Data, not code, so the CSP allows it; ``static/js/charts.js`` draws every such element.
    """
    if not figure:
        return mark_safe("")
    chart_id = chart_id or f"chart-{next(_ids)}"
    if not label:
        label = str(figure.get("layout", {}).get("title", {}).get("text", ""))
    payload = json.dumps(figure, cls=DjangoJSONEncoder, ensure_ascii=False).translate(_JSON_ESCAPES)
    return format_html(
        '<figure class="chart"><div class="chart-canvas" id="{}" role="img" aria-label="{}">'
        "</div>"
        '<script type="application/json" data-chart="{}">{}</script></figure>',
        chart_id,
        label,
        chart_id,
        mark_safe(payload),  # noqa: S308 - escaped above like json_script
    )


@register.filter
def money(value: float | None, currency: str = "JPY") -> str:
    """Full amount in its currency: ¥12,000 (en) / 12,000円 (ja)."""
    return format_money(value, currency)


@register.filter
def money_compact(value: float | None, currency: str = "JPY") -> str:
    """Summary amount: 1.2万円 in Japanese, ¥12,000 in English."""
    return format_money(value, currency, compact=True)


@register.filter
def percent(value: float | None) -> str:
    return format_percent(value)


@register.filter
def ratio(value: float | None) -> str:
    return format_ratio(value)


@register.filter
def number(value: float | None) -> str:
    return format_number(value)
