"""Template helpers for governance pages: KPI values in their display format, status and skill
badges."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from ..models import SkillLevel, at_risk
from ..status import STATUS_COLOUR, Status

register = template.Library()


@register.simple_tag
def kpi_value(value: float | None, display_format: str = "number", currency: str = "JPY") -> str:
    """A KPI value as people read it (money in its currency, percentages, ratios, “—” for n/a)."""
    from analytics.formatting import format_value

    return format_value(value, display_format or "number", currency=currency or "JPY")


@register.simple_tag
def status_badge(status: Any) -> SafeString:
    """The status vocabulary: a coloured badge that always carries its word."""
    try:
        status = Status(str(status))
    except ValueError:
        status = Status.UNKNOWN
    return format_html(
        '<span class="badge {} status-{}">{}</span>',
        STATUS_COLOUR[status],
        status.value,
        status.label,
    )


@register.filter
def pct(value: float | None) -> str:
    from analytics.formatting import format_percent

    return format_percent(value)


@register.filter
def get_item(mapping: dict, key: str) -> Any:
    return mapping.get(key) if isinstance(mapping, dict) else None


@register.filter(name="at_risk")
def at_risk_filter(capable: int) -> bool:
    """``{% if n|at_risk %}``: the 属人化 rule of ``governance.models.at_risk``."""
    return at_risk(int(capable or 0))


SKILL_BADGES = {0: "grey", 1: "amber", 2: "blue", 3: "green", 4: "green"}


@register.simple_tag
def skill_badge(level: int | None) -> SafeString:
    """A member's level in a skill as a badge titled with its meaning; "—" when not rated."""
    if level is None:
        return format_html('<span class="help" title="{}">—</span>', _("Not rated"))
    return format_html(
        '<span class="badge {}" title="{}" data-level="{}">{}</span>',
        SKILL_BADGES.get(level, "grey"),
        SkillLevel(level).label,
        level,
        level,
    )
