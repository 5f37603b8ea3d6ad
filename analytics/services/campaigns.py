"""Campaign writes and the rules for campaign codes and name matching."""

from __future__ import annotations

import hashlib
import re
import unicodedata
from typing import Any

from django.db import transaction

from mops.permissions import grant_team_access

from ..models import Campaign


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
    for key, value in fields.items():
        setattr(campaign, key, value)
    campaign.full_clean()
    campaign.save()
    return campaign
