"""The analytics panel on the overview and the section page: imports that need attention."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from .selectors import batch_rows, batches_for


def recent_imports_panel(request: HttpRequest) -> dict[str, Any] | None:
    if not request.user.has_perm("analytics.view_importbatch"):
        return None
    return {
        "section": "analytics",
        "title": _("Recent imports"),
        "template": "analytics/_panel_imports.html",
        "batches": list(batch_rows(batches_for(user=request.user))[:5]),
    }
