"""Severity and state badges of incidents: simple tags, because the triage board draws two per
row on 100 rows, where an ``{% include %}`` each cost more than the rest of the row."""

from __future__ import annotations

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString

register = template.Library()

SEVERITY_CLASSES = {"sev1": "red ops-sev1", "sev2": "amber", "sev3": "blue"}
STATE_CLASSES = {
    "triggered": "red",
    "acknowledged": "amber",
    "mitigated": "blue",
    "resolved": "green",
}


@register.simple_tag
def severity_badge(severity: str) -> SafeString:
    return format_html(
        '<span class="badge {}">{}</span>',
        SEVERITY_CLASSES.get(severity, "grey"),
        str(severity).upper(),
    )


@register.simple_tag
def state_badge(state: str, label: str) -> SafeString:
    return format_html(
        '<span class="badge {}" data-state="{}">{}</span>',
        STATE_CLASSES.get(state, "grey"),
        state,
        label,
    )
