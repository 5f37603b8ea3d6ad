"""Campaign writes and the rules for campaign codes and name matching."""

from __future__ import annotations

import hashlib
import re
import unicodedata
from typing import Any

from django.db import transaction

from mops.permissions import grant_team_access

from ..models import Campaign, Kpi, MetricFact


def normalize_name(name: str) -> str:
    """Names match after Unicode NFKC normalisation and trimming (全角/半角 alike)."""
    return unicodedata.normalize("NFKC", name).strip()


def code_from_name(name: str) -> str:
    """ASCII letters and digits of the name; ``c-`` and a short stable hash when it has none;
    a numeric suffix when the code is taken."""
    normalized = normalize_name(name)
    base = re.sub(r"[^a-z0-9]+", "-", normalized.lower()).strip("-")[:56]
    if not base:
        base = "c-" + hashlib.sha1(normalized.encode(), usedforsecurity=False).hexdigest()[:8]
    code, n = base, 2
    while Campaign.objects.filter(code=code).exists():
        code = f"{base}-{n}"
        n += 1
    return code


@transaction.atomic
def create_campaign(*, team: Any, name: str, code: str = "", **fields: Any) -> Campaign:
    """A campaign, validated; its team gets view/change/delete on it."""
    campaign = Campaign(team=team, name=name.strip(), code=code or code_from_name(name), **fields)
    campaign.full_clean()
    campaign.save()
    grant_team_access(team, campaign)
    return campaign


@transaction.atomic
def update_campaign(*, campaign: Campaign, **fields: Any) -> Campaign:
    """Save the changes. A campaign with facts that moves into or out of a KPI's scope, or
    changes currency, has those KPIs recomputed after the commit (in the background)."""
    from .recompute import SCOPE_FIELDS, kpis_matching

    counted = (*SCOPE_FIELDS, "currency")
    before = {name: getattr(campaign, name) for name in counted}
    for key, value in fields.items():
        setattr(campaign, key, value)
    campaign.full_clean()
    campaign.save()
    after = {name: getattr(campaign, name) for name in counted}
    if before != after and MetricFact.objects.filter(campaign=campaign).exists():
        kpis = kpis_matching([before, after], Kpi.objects.filter(is_active=True))
        if kpis:
            from ..tasks import recompute_kpi_ids

            ids = sorted(kpi.pk for kpi in kpis)
            transaction.on_commit(lambda: recompute_kpi_ids.delay(ids))
    return campaign
