"""運営 planning: vision and mission, strategies for a fiscal period, plans and their budgets."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords


class Vision(models.Model):
    """The organisation's vision and mission (``team`` empty), or one team's own.

    One row per team; the organisation's single row is kept single by ``services.save_vision``.
    """

    team = models.OneToOneField(
        "mops.Team",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="vision",
        verbose_name=_("team"),
        help_text=_("Leave empty for the whole organisation."),
    )
    vision = models.TextField(_("vision"))
    mission = models.TextField(_("mission"), blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["team__name"]
        verbose_name = _("vision and mission")
        verbose_name_plural = _("visions and missions")

    def __str__(self) -> str:
        return str(self.team) if self.team_id else str(_("Organisation"))


class PeriodKind(models.TextChoices):
    FISCAL_YEAR = "fy", _("Fiscal year")
    HALF = "half", _("Half year")
    QUARTER = "quarter", _("Quarter")


class StrategyStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    ACTIVE = "active", _("Active")
    DONE = "done", _("Done")
    DROPPED = "dropped", _("Dropped")


class Strategy(models.Model):
    """A strategy for a period, with the analysis behind it as structured notes."""

    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    team = models.ForeignKey(
        "mops.Team", on_delete=models.PROTECT, related_name="strategies", verbose_name=_("team")
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("owner"),
    )
    status = models.CharField(
        _("status"), max_length=10, choices=StrategyStatus.choices, default=StrategyStatus.DRAFT
    )
    period_kind = models.CharField(
        _("period"), max_length=10, choices=PeriodKind.choices, default=PeriodKind.FISCAL_YEAR
    )
    period_start = models.DateField(_("period start"))
    period_end = models.DateField(_("period end"))
    market = models.TextField(_("market"), blank=True)
    competitors = models.TextField(_("competitors"), blank=True)
    strengths = models.TextField(_("strengths"), blank=True)
    weaknesses = models.TextField(_("weaknesses"), blank=True)
    opportunities = models.TextField(_("opportunities"), blank=True)
    threats = models.TextField(_("threats"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-period_start", "title"]
        verbose_name = _("strategy")
        verbose_name_plural = _("strategies")
        constraints = [
            models.CheckConstraint(
                condition=Q(period_end__gte=F("period_start")), name="strategy_period_order"
            )
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("governance:strategy_detail", args=[self.pk])


class PlanStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    IN_PROGRESS = "in_progress", _("In progress")
    DONE = "done", _("Done")
    CANCELLED = "cancelled", _("Cancelled")


class Plan(models.Model):
    """A plan under a strategy: objective, owner, schedule and budget."""

    strategy = models.ForeignKey(
        Strategy, on_delete=models.PROTECT, related_name="plans", verbose_name=_("strategy")
    )
    title = models.CharField(_("title"), max_length=200)
    objective = models.TextField(_("objective"), blank=True)
    team = models.ForeignKey(
        "mops.Team", on_delete=models.PROTECT, related_name="plans", verbose_name=_("team")
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("owner"),
    )
    status = models.CharField(
        _("status"), max_length=12, choices=PlanStatus.choices, default=PlanStatus.PLANNED
    )
    start_date = models.DateField(_("start date"))
    end_date = models.DateField(_("end date"))
    budget = models.DecimalField(
        _("budget"),
        max_digits=14,
        decimal_places=0,
        default=Decimal(0),
        validators=[MinValueValidator(Decimal(0))],
    )
    currency = models.CharField(_("currency"), max_length=3, default="JPY")
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["start_date", "title"]
        verbose_name = _("plan")
        verbose_name_plural = _("plans")
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__gte=F("start_date")), name="plan_period_order"
            )
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("governance:plan_detail", args=[self.pk])


class PlanBudget(models.Model):
    """The planned budget of one month of a plan (``month`` is the first day of the month)."""

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="budget_rows")
    month = models.DateField(_("month"))
    amount = models.DecimalField(
        _("amount"), max_digits=14, decimal_places=0, validators=[MinValueValidator(Decimal(0))]
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["plan", "month"]
        verbose_name = _("monthly budget")
        verbose_name_plural = _("monthly budgets")
        constraints = [
            models.UniqueConstraint(fields=["plan", "month"], name="planbudget_month"),
            models.CheckConstraint(condition=Q(amount__gte=0), name="planbudget_amount_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.plan_id} {self.month:%Y-%m} {self.amount}"
