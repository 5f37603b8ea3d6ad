"""What incidents contribute to other pages: the overview panel and KPI chart annotations."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

from django.db.models import Q
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from mops.permissions import among

from ..models import OPEN_STATES, Incident
from ..selectors.incidents import incidents_for, severity_policies
from ..selectors.triage import triage_counts, triage_rows


def open_incidents_panel(request: HttpRequest) -> dict[str, Any] | None:
    """Home and the operations section: open incidents by severity and the five most urgent."""
    if not request.user.has_perm("operations.view_incident"):
        return None
    now = timezone.now()
    policies = severity_policies()
    rows = triage_rows(user=request.user, now=now, limit=5, policies=policies, for_board=False)
    totals = triage_counts(user=request.user, now=now, policies=policies)
    return {
        "section": "operations",
        "title": gettext_lazy("Open incidents"),
        "template": "operations/_triage_panel.html",
        "counts": totals["by_severity"],
        "rows": rows,
        "total": totals["open"],
        "overdue": totals["overdue"],
    }


def _bound(value: date | datetime, end: bool = False) -> datetime:
    if isinstance(value, datetime):
        return value if timezone.is_aware(value) else timezone.make_aware(value)
    day = value + timedelta(days=1) if end else value
    return datetime.combine(day, time.min, tzinfo=timezone.get_current_timezone())


def incident_spans(*, start: Any, end: Any, scope: Any = None) -> list[dict[str, Any]]:
    """Incidents that overlap [start, end], for KPI and campaign charts.

    ``scope`` narrows them: a Campaign or a Kpi (incidents that name it as affected), a dict
    with ``campaign``/``campaigns``/``kpi``/``user`` keys, or None (every incident).
    """
    qs = Incident.objects.filter(triggered_at__lt=_bound(end, end=True)).filter(
        Q(resolved_at__isnull=True) | Q(resolved_at__gte=_bound(start))
    )
    items = scope if isinstance(scope, dict) else {}
    model = getattr(getattr(scope, "_meta", None), "label", "")
    if model == "analytics.Campaign":
        items = {"campaign": scope}
    elif model == "analytics.Kpi":
        items = {"kpi": scope}
    if items.get("user") is not None:
        qs = among(qs, "pk", incidents_for(user=items["user"]))
    if items.get("campaign") is not None:
        qs = qs.filter(affected_campaigns=items["campaign"])
    if items.get("campaigns"):
        qs = qs.filter(affected_campaigns__in=list(items["campaigns"])).distinct()
    if items.get("kpi") is not None:
        qs = qs.filter(affected_kpis=items["kpi"])
    now = timezone.now()
    return [
        {
            "start": i.triggered_at,
            "end": i.resolved_at or now,
            "label": f"#{i.pk} {i.severity.upper()} {i.title}"
            + ("" if i.resolved_at else " (" + _("open") + ")"),
            "kind": "incident",
            "severity": i.severity,
            "url": i.get_absolute_url(),
            "open": i.state in OPEN_STATES,
        }
        for i in qs.order_by("triggered_at")[:100]
    ]
