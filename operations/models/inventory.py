"""Tool inventory: marketing tools, who looks after them, and the integrations between them."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords


def in_choices(field: str, choices: type[models.TextChoices]) -> Q:
    """A CheckConstraint condition: ``field`` holds one of the choices' values."""
    return Q(**{f"{field}__in": choices.values})


class ToolCategory(models.TextChoices):
    CRM = "crm", _("CRM")
    MA = "ma", _("Marketing automation")
    AD_PLATFORM = "ad_platform", _("Ad platform")
    ANALYTICS = "analytics", _("Analytics / tag")
    CDP = "cdp", _("CDP")
    BI = "bi", _("BI")
    CMS = "cms", _("CMS")
    EMAIL = "email", _("Email")
    OTHER = "other", _("Other")


class ToolLifecycle(models.TextChoices):
    EVALUATING = "evaluating", _("Evaluating")
    ACTIVE = "active", _("Active")
    DEPRECATED = "deprecated", _("Deprecated")
    RETIRED = "retired", _("Retired")


class Tool(models.Model):
    """A marketing tool the ops team keeps running (CRM, MA, ad platform, tag, BI, ...)."""

    name = models.CharField(_("name"), max_length=120)
    category = models.CharField(
        _("category"), max_length=20, choices=ToolCategory.choices, default=ToolCategory.OTHER
    )
    vendor = models.CharField(_("vendor"), max_length=120, blank=True)
    url = models.URLField(_("URL"), max_length=500, blank=True)
    team = models.ForeignKey(
        "mops.Team", on_delete=models.PROTECT, related_name="tools", verbose_name=_("team")
    )
    lifecycle = models.CharField(
        _("lifecycle"),
        max_length=20,
        choices=ToolLifecycle.choices,
        default=ToolLifecycle.ACTIVE,
    )
    licence_seats = models.PositiveIntegerField(_("licence seats"), null=True, blank=True)
    monthly_cost = models.DecimalField(
        _("monthly cost"),
        max_digits=12,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
    )
    currency = models.CharField(_("currency"), max_length=3, default="JPY")
    renewal_date = models.DateField(_("contract renewal date"), null=True, blank=True)
    holds_personal_data = models.BooleanField(_("holds personal data"), default=False)
    description = models.TextField(_("description"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]
        verbose_name = _("tool")
        verbose_name_plural = _("tools")
        constraints = [
            models.UniqueConstraint(fields=["team", "name"], name="operations_tool_unique_name"),
            models.CheckConstraint(
                condition=in_choices("category", ToolCategory), name="operations_tool_category"
            ),
            models.CheckConstraint(
                condition=in_choices("lifecycle", ToolLifecycle), name="operations_tool_lifecycle"
            ),
            models.CheckConstraint(
                condition=Q(monthly_cost__isnull=True) | Q(monthly_cost__gte=0),
                name="operations_tool_cost_not_negative",
            ),
        ]
        indexes = [
            models.Index(fields=["team", "lifecycle"], name="ops_tool_team_lifecycle"),
            models.Index(fields=["renewal_date"], name="ops_tool_renewal"),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("operations:tool_detail", args=[self.pk])


class AssignmentRole(models.TextChoices):
    OWNER = "owner", _("Owner")
    BACKUP_OWNER = "backup_owner", _("Backup owner")
    ADMIN = "admin", _("Admin")
    USER = "user", _("User")


class ToolAssignment(models.Model):
    """A person's role on a tool. One owner and no backup owner is the 属人化 risk."""

    tool = models.ForeignKey(
        Tool, on_delete=models.CASCADE, related_name="assignments", verbose_name=_("tool")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="tool_assignments",
        verbose_name=_("user"),
    )
    role = models.CharField(_("role"), max_length=20, choices=AssignmentRole.choices)
    priority = models.PositiveSmallIntegerField(
        _("priority"), default=1, help_text=_("1 is asked first.")
    )

    class Meta:
        ordering = ["tool", "role", "priority"]
        verbose_name = _("tool assignment")
        verbose_name_plural = _("tool assignments")
        constraints = [
            models.UniqueConstraint(
                fields=["tool", "user", "role"], name="operations_toolassignment_unique"
            ),
            models.CheckConstraint(
                condition=in_choices("role", AssignmentRole),
                name="operations_toolassignment_role",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.get_role_display()} · {self.tool}"

    def get_absolute_url(self) -> str:
        return self.tool.get_absolute_url()


class IntegrationFrequency(models.TextChoices):
    REALTIME = "realtime", _("Real time")
    HOURLY = "hourly", _("Hourly")
    DAILY = "daily", _("Daily")
    WEEKLY = "weekly", _("Weekly")
    MANUAL = "manual", _("Manual")


class Integration(models.Model):
    """Data flowing from one tool to another, and the freshness the flow promises."""

    source = models.ForeignKey(
        Tool,
        on_delete=models.CASCADE,
        related_name="outgoing_integrations",
        verbose_name=_("source tool"),
    )
    target = models.ForeignKey(
        Tool,
        on_delete=models.CASCADE,
        related_name="incoming_integrations",
        verbose_name=_("target tool"),
    )
    data_flow = models.CharField(
        _("what flows"), max_length=200, help_text=_("e.g. leads, conversions, audiences")
    )
    frequency = models.CharField(
        _("frequency"),
        max_length=20,
        choices=IntegrationFrequency.choices,
        default=IntegrationFrequency.DAILY,
    )
    freshness_hours = models.PositiveIntegerField(
        _("promised freshness (hours)"), null=True, blank=True
    )
    description = models.TextField(_("description"), blank=True)

    class Meta:
        ordering = ["source__name", "target__name"]
        verbose_name = _("integration")
        verbose_name_plural = _("integrations")
        constraints = [
            models.UniqueConstraint(
                fields=["source", "target", "data_flow"], name="operations_integration_unique"
            ),
            models.CheckConstraint(
                condition=~Q(source=F("target")), name="operations_integration_not_self"
            ),
            models.CheckConstraint(
                condition=in_choices("frequency", IntegrationFrequency),
                name="operations_integration_frequency",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.source} → {self.target} ({self.data_flow})"

    def get_absolute_url(self) -> str:
        return self.source.get_absolute_url()
