"""The inventory's panel on the 運用 landing page and the overview: checks that are down or late
first, then tools at risk and the maintenance coming up, with links to the full lists."""

from __future__ import annotations

import datetime
from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from ..selectors.inventory import FLAGS, tools_for, with_flags
from ..selectors.maintenance import maintenance_between
from ..selectors.monitoring import attention_checks, state_counts


def inventory_panel(request: HttpRequest) -> dict[str, Any] | None:
    user = request.user
    if not getattr(user, "is_authenticated", False) or not user.has_perm("operations.view_tool"):
        return None
    # one query for the three counts (a tool inventory is tens of rows; Django cannot filter
    # an aggregate on these annotations)
    flagged = with_flags(tools_for(user=user).select_related(None)).order_by()
    rows = list(flagged.values_list(*FLAGS))
    risks = {flag: sum(1 for row in rows if row[i]) for i, flag in enumerate(FLAGS)}
    # the panel shows each check's tool only (checks_for joins four more tables)
    attention = attention_checks(user=user).select_related(None).select_related("tool")
    now = timezone.now()
    return {
        "section": "operations",
        "title": _("Checks, tools and maintenance"),
        "template": "operations/_inventory_panel.html",
        "attention": list(attention[:10]),
        "counts": state_counts(user=user),
        "risks": risks,
        "maintenance": maintenance_between(
            start=now, end=now + datetime.timedelta(days=7), user=user
        )[:5],
    }
