"""KPI formulas, their computed sums (per day, per period: the summary tables) and anomalies."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from . import Campaign, Channel, Metric


class Granularity(models.TextChoices):
    DAY = "day", _("Day")
    WEEK = "week", _("Week")
    MONTH = "month", _("Month")


class KpiFormat(models.TextChoices):
    NUMBER = "number", _("Number")
    CURRENCY = "currency", _("Money")
    PERCENT = "percent", _("Percentage")
    RATIO = "ratio", _("Ratio")


class Kpi(models.Model):
    """A KPI formula over metric keys and the scope of campaigns it sums.

    ``expression`` is a sum of metric keys, optionally divided by another sum:
    ``conversions``, ``cost / conversions`` (CPA), ``clicks / impressions`` (CTR),
    ``revenue / cost`` (ROAS). Ratios are ratios of sums over the period, never averages of
    daily ratios. Governance adds direction, targets, owner and status on top of this.
    """

    key = models.SlugField(_("key"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=100)
    name_ja = models.CharField(_("Japanese name"), max_length=100, blank=True)
    expression = models.CharField(_("formula"), max_length=200)
    unit = models.CharField(_("unit"), max_length=20, blank=True)
    display_format = models.CharField(
        _("display format"), max_length=10, choices=KpiFormat.choices, default=KpiFormat.NUMBER
    )
    granularity = models.CharField(
        _("granularity"), max_length=5, choices=Granularity.choices, default=Granularity.WEEK
    )
    scope_channel = models.CharField(
        _("channel"), max_length=20, choices=Channel.choices, blank=True
    )
    scope_team = models.ForeignKey(
        "mops.Team",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("team"),
    )
    scope_plan = models.ForeignKey(
        "governance.Plan",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("plan"),
    )
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["key"]
        verbose_name = _("KPI")
        verbose_name_plural = _("KPIs")

    def __str__(self) -> str:
        return self.key

    @property
    def is_ratio(self) -> bool:
        """The formula divides (``a / b``): its value is a ratio of sums (one ``/`` at most, as
        the formula's validation ensures)."""
        return "/" in self.expression


class KpiValue(models.Model):
    """The summary table: one KPI's value for one period (per currency, never converted).

    ``value`` is NULL when the denominator is zero (shown as “—”, never 0 or infinity).
    """

    kpi = models.ForeignKey(Kpi, on_delete=models.CASCADE, related_name="values")
    period_start = models.DateField(_("period start"))
    period_end = models.DateField(_("period end"))
    currency = models.CharField(_("currency"), max_length=3, default="")
    numerator = models.FloatField(_("numerator"))
    denominator = models.FloatField(_("denominator"), null=True, blank=True)
    value = models.FloatField(_("value"), null=True, blank=True)
    computed_at = models.DateTimeField(_("computed at"), auto_now=True)

    class Meta:
        ordering = ["kpi", "period_start"]
        verbose_name = _("KPI value")
        verbose_name_plural = _("KPI values")
        constraints = [
            models.UniqueConstraint(fields=["kpi", "period_start", "currency"], name="kpivalue_key")
        ]

    def __str__(self) -> str:
        return f"{self.kpi_id} {self.period_start} {self.value}"


class KpiDay(models.Model):
    """One KPI's sums for one day in one currency: what ``KpiValue`` periods, forecasts and
    arbitrary date ranges are added up from, so that no page reads the facts behind a KPI.

    A row exists only for a day with facts of the KPI's metrics in its scope and currency.
    ``denominator`` is NULL for a KPI without one. Kept by ``recompute_kpis``.
    """

    # indexed by the key below, whose first column it is
    kpi = models.ForeignKey(Kpi, on_delete=models.CASCADE, related_name="days", db_index=False)
    date = models.DateField(_("date"))
    currency = models.CharField(_("currency"), max_length=3, default="")
    numerator = models.FloatField(_("numerator"))
    denominator = models.FloatField(_("denominator"), null=True, blank=True)

    class Meta:
        verbose_name = _("KPI day")
        verbose_name_plural = _("KPI days")
        constraints = [
            models.UniqueConstraint(fields=["kpi", "date", "currency"], name="kpiday_key")
        ]
        # a board reads every KPI's days of one window and currency at once
        indexes = [models.Index(fields=["currency", "date"], name="kpiday_window")]

    def __str__(self) -> str:
        return f"{self.kpi_id} {self.date} {self.currency}"


class AnomalyDirection(models.TextChoices):
    DROP = "drop", _("Drop")
    SPIKE = "spike", _("Spike")


class Anomaly(models.Model):
    """A day whose metric value lies far from the robust, weekday-aware expectation."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="anomalies")
    metric = models.ForeignKey(Metric, on_delete=models.PROTECT, related_name="+")
    date = models.DateField(_("date"))
    value = models.FloatField(_("value"))
    expected = models.FloatField(_("expected"))
    score = models.FloatField(_("score"))
    direction = models.CharField(_("direction"), max_length=5, choices=AnomalyDirection.choices)
    detected_at = models.DateTimeField(_("detected at"), auto_now=True)

    class Meta:
        ordering = ["-date", "campaign"]
        verbose_name = _("anomaly")
        verbose_name_plural = _("anomalies")
        constraints = [
            models.UniqueConstraint(fields=["campaign", "metric", "date"], name="anomaly_key")
        ]

    def __str__(self) -> str:
        return f"{self.campaign_id} {self.metric_id} {self.date} {self.direction}"
