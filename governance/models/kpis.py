"""Governance's side of a KPI: direction, owner, links, and targets per period.

The formula and its values belong to analytics (``analytics.Kpi``); a ``KpiProfile`` adds what
management decides about it. Status is derived at read time (``governance.status``), not stored.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords


class Direction(models.TextChoices):
    HIGHER = "higher", _("Higher is better")
    LOWER = "lower", _("Lower is better")
    BAND = "band", _("Stay within a band")


class KpiProfile(models.Model):
    kpi = models.OneToOneField(
        "analytics.Kpi", on_delete=models.CASCADE, related_name="profile", verbose_name=_("KPI")
    )
    team = models.ForeignKey(
        "mops.Team", on_delete=models.PROTECT, related_name="kpi_profiles", verbose_name=_("team")
    )
    direction = models.CharField(
        _("direction"), max_length=6, choices=Direction.choices, default=Direction.HIGHER
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("owner"),
    )
    strategy = models.ForeignKey(
        "governance.Strategy",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="kpi_profiles",
        verbose_name=_("strategy"),
    )
    plan = models.ForeignKey(
        "governance.Plan",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="kpi_profiles",
        verbose_name=_("plan"),
    )
    description = models.TextField(_("why it matters"), blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["kpi__key"]
        verbose_name = _("KPI profile")
        verbose_name_plural = _("KPI profiles")

    def __str__(self) -> str:
        return str(self.kpi)

    def get_absolute_url(self) -> str:
        return reverse("governance:kpi_detail", args=[self.kpi.key])


class KpiTarget(models.Model):
    """A target for one period: a value (higher/lower) or a band ``low``..``high``."""

    profile = models.ForeignKey(KpiProfile, on_delete=models.CASCADE, related_name="targets")
    period_start = models.DateField(_("period start"))
    period_end = models.DateField(_("period end"))
    value = models.FloatField(_("target"), null=True, blank=True)
    low = models.FloatField(_("band low"), null=True, blank=True)
    high = models.FloatField(_("band high"), null=True, blank=True)
    currency = models.CharField(
        _("currency"),
        max_length=3,
        blank=True,
        help_text=_("For money KPIs: the currency the target is in (JPY by default)."),
    )
    note = models.CharField(_("note"), max_length=200, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["profile", "period_start"]
        verbose_name = _("KPI target")
        verbose_name_plural = _("KPI targets")
        constraints = [
            models.UniqueConstraint(
                fields=["profile", "period_start", "currency"], name="kpitarget_period"
            ),
            models.CheckConstraint(
                condition=Q(period_end__gte=F("period_start")), name="kpitarget_period_order"
            ),
            models.CheckConstraint(
                condition=Q(value__isnull=False)
                | (Q(low__isnull=False) & Q(high__isnull=False) & Q(high__gte=F("low"))),
                name="kpitarget_value_or_band",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.profile} {self.period_start}–{self.period_end}"
