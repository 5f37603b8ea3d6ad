"""Governance's KPI writes: the formula through analytics' services, plus profile and targets."""

from __future__ import annotations

import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from mops.models import Team
from mops.permissions import grant_team_access

from ..models import Direction, KpiProfile, KpiTarget

KPI_FIELDS = {
    "name",
    "name_ja",
    "expression",
    "unit",
    "display_format",
    "granularity",
    "scope_channel",
    "scope_team",
    "scope_plan",
}
PROFILE_FIELDS = {"team", "direction", "owner", "strategy", "plan", "description"}


def _split(fields: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    unknown = set(fields) - KPI_FIELDS - PROFILE_FIELDS
    if unknown:
        raise TypeError(f"unknown fields: {sorted(unknown)}")
    return (
        {k: v for k, v in fields.items() if k in KPI_FIELDS},
        {k: v for k, v in fields.items() if k in PROFILE_FIELDS},
    )


@transaction.atomic
def create_governed_kpi(*, key: str, team: Team, owner: Any, **fields: Any) -> KpiProfile:
    """Define a KPI (formula validated by analytics) with its governance profile."""
    from analytics.services.kpis import create_kpi

    kpi_fields, profile_fields = _split(fields)
    kpi = create_kpi(key=key, **kpi_fields)
    return adopt_kpi(kpi=kpi, team=team, owner=owner, **profile_fields)


@transaction.atomic
def adopt_kpi(*, kpi: Any, team: Team, owner: Any, **fields: Any) -> KpiProfile:
    """Give an analytics KPI its governance profile (direction, owner, links)."""
    if KpiProfile.objects.filter(kpi=kpi).exists():
        raise ValidationError({"kpi": _("This KPI already has an owner and targets.")})
    profile = KpiProfile(kpi=kpi, team=team, owner=owner, **fields)
    profile.full_clean()
    profile.save()
    grant_team_access(team, profile)
    return profile


@transaction.atomic
def update_governed_kpi(*, profile: KpiProfile, **fields: Any) -> KpiProfile:
    """Change the formula (through analytics, errors on ``expression``) and/or the profile."""
    from analytics.services.kpis import update_kpi

    kpi_fields, profile_fields = _split(fields)
    if kpi_fields:
        update_kpi(kpi=profile.kpi, **kpi_fields)
    old_team = profile.team_id
    for name, value in profile_fields.items():
        setattr(profile, name, value)
    profile.full_clean()
    profile.save()
    if profile.team_id != old_team:
        grant_team_access(profile.team, profile)
    return profile


def _check_target(profile: KpiProfile, target: KpiTarget) -> None:
    errors: dict[str, str] = {}
    if target.period_start and target.period_end and target.period_end < target.period_start:
        errors["period_end"] = _("End date must be on or after the start date.")
    if profile.direction == Direction.BAND:
        if target.low is None or target.high is None:
            errors["low"] = _("A band needs both a low and a high value.")
        elif target.high < target.low:
            errors["high"] = _("The high end of the band must be at least the low end.")
    elif target.value is None:
        errors["value"] = _("Give the target value for this period.")
    if errors:
        raise ValidationError(errors)
    if profile.direction != Direction.BAND:
        target.low = target.high = None
    else:
        target.value = None


@transaction.atomic
def set_target(
    *,
    profile: KpiProfile,
    period_start: datetime.date,
    period_end: datetime.date,
    value: float | None = None,
    low: float | None = None,
    high: float | None = None,
    currency: str = "",
    note: str = "",
    target: KpiTarget | None = None,
) -> KpiTarget:
    """Add a target for a period (or change ``target``): a value, or a band for band KPIs."""
    target = target or KpiTarget(profile=profile)
    target.period_start, target.period_end = period_start, period_end
    target.value, target.low, target.high = value, low, high
    target.currency, target.note = currency.upper(), note
    _check_target(profile, target)
    target.full_clean()
    target.save()
    return target


@transaction.atomic
def delete_target(*, target: KpiTarget) -> None:
    target.delete()
