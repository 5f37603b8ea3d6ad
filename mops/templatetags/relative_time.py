"""``{% load relative_time %}``: the ``naturaltime`` filter, worded as
``django.contrib.humanize``'s, from ``mops.relative_time``."""

from __future__ import annotations

from typing import Any

from django import template

from mops import relative_time

register = template.Library()


@register.filter
def naturaltime(value: Any) -> Any:
    return relative_time.naturaltime(value)
