"""The inventory's panel on the 運用 landing page and the overview: checks that are down or late
first, then tools at risk and the maintenance coming up, with links to the full lists."""

from __future__ import annotations

import datetime
from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from ..models import CheckState
from ..selectors.inventory import FLAGS, tools_for, with_flags
from ..selectors.maintenance import maintenance_between
from ..selectors.monitoring import attention_checks, checks_for


def inventory_panel(request: HttpRequest) -> dict[str, Any] | None:
    user = request.user
    if not getattr(user, "is_authenticated", False) or not user.has_perm("operations.view_tool"):
        return None
    # one query for the three counts (a tool inventory is tens of rows; Django cannot filter
    # an aggregate on these annotations)
    flagged = with_flags(tools_for(user=user).select_related(None)).order_by()
    rows = list(flagged.values_list(*FLAGS))
    risks = {flag: sum(1 for row in rows if row[i]) for i, flag in enumerate(FLAGS)}
    # the panel shows each check's name, state and tool (checks_for joins four more tables)
    shown = attention_checks(user=user).select_related(None).select_related("tool")
    attention = list(shown.only("name", "state", "tool__name")[:10])
    # the checks that are up are counted only when none needs attention: then the panel says so
    up = None if attention else checks_for(user=user).filter(state=CheckState.UP).count()
    now = timezone.now()
    return {
        "section": "operations",
        "title": _("Checks, tools and maintenance"),
        "template": "operations/_inventory_panel.html",
        "attention": attention,
        "up": up,
        "risks": risks,
        "maintenance": maintenance_between(
            start=now,
            end=now + datetime.timedelta(days=7),
            user=user,
            shown=("title", "tool__name"),
        )[:5],
    }
