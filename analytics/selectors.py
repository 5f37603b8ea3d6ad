"""Analytics reads, scoped to what the user may see."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from mops.permissions import restrict

from .models import Campaign, ImportBatch, MetricFact


def campaigns_for(*, user: Any, action: str = "view") -> QuerySet[Campaign]:
    return restrict(Campaign.objects.select_related("team"), user, action)


def facts_for(*, user: Any) -> QuerySet[MetricFact]:
    """Facts of the campaigns the user may see (metrics:read for tokens)."""
    return MetricFact.objects.filter(campaign__in=campaigns_for(user=user).values("pk"))


def batches_for(*, user: Any) -> QuerySet[ImportBatch]:
    from mops.permissions import is_admin

    qs = ImportBatch.objects.select_related("created_by")
    return qs if is_admin(user) else qs.filter(created_by=user)
