"""Monitoring checks: what they watch, when they are due, and their state (what each check
records, its results, flips and pings, is in ``check_records``).

As in Healthchecks, the stored ``state`` changes only on real events (an evaluation, a ping, a
pause); every change is also an append-only :class:`Flip`, from which downtime is computed.
``next_due_at`` is indexed so the evaluator finds due checks cheaply.
"""

from __future__ import annotations

import uuid

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from .inventory import in_choices


class CheckKind(models.TextChoices):
    HTTP = "http", _("HTTP")
    HEARTBEAT = "heartbeat", _("Heartbeat")
    FRESHNESS = "freshness", _("Data freshness")
    THRESHOLD = "threshold", _("Metric threshold")


class CheckState(models.TextChoices):
    NEW = "new", _("New")
    UP = "up", _("Up")
    LATE = "late", _("Late")
    DOWN = "down", _("Down")
    PAUSED = "paused", _("Paused")
    UNKNOWN = "unknown", _("Unknown")


class Check(models.Model):
    """Something the portal watches. Kind-specific fields are used only by their kind."""

    # What a check's editor sets beyond its name, kind and owners (the form and the API alike).
    SETTINGS = (
        "interval_seconds",
        "url",
        "expected_status",
        "timeout_seconds",
        "keyword",
        "period_seconds",
        "grace_seconds",
        "freshness_source",
        "campaign",
        "max_age_hours",
        "metric",
        "min_value",
        "max_value",
        "use_anomaly_rule",
        "failures_before_down",
        "failure_rate",
        "window_minutes",
    )

    uuid = models.UUIDField(_("ping UUID"), default=uuid.uuid4, unique=True, editable=False)
    name = models.CharField(_("name"), max_length=150)
    description = models.TextField(_("description"), blank=True)
    kind = models.CharField(_("kind"), max_length=20, choices=CheckKind.choices)
    tool = models.ForeignKey(
        "operations.Tool",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="checks",
        verbose_name=_("tool"),
    )
    integration = models.ForeignKey(
        "operations.Integration",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="checks",
        verbose_name=_("upstream integration"),
    )
    team = models.ForeignKey(
        "mops.Team", on_delete=models.PROTECT, related_name="checks", verbose_name=_("team")
    )
    enabled = models.BooleanField(_("enabled"), default=True)
    state = models.CharField(
        _("state"), max_length=10, choices=CheckState.choices, default=CheckState.NEW
    )
    interval_seconds = models.IntegerField(
        _("evaluate every (seconds)"),
        default=300,
        validators=[MinValueValidator(60)],
        help_text=_("How often HTTP, freshness and threshold checks are evaluated."),
    )
    # HTTP
    url = models.URLField(_("URL"), max_length=500, blank=True)
    expected_status = models.PositiveSmallIntegerField(
        _("expected status"),
        default=200,
        validators=[MinValueValidator(100), MaxValueValidator(599)],
    )
    timeout_seconds = models.PositiveSmallIntegerField(
        _("timeout (seconds)"), default=10, validators=[MinValueValidator(1), MaxValueValidator(60)]
    )
    keyword = models.CharField(
        _("keyword"), max_length=200, blank=True, help_text=_("Must appear in the response body.")
    )
    # Heartbeat
    period_seconds = models.IntegerField(
        _("period (seconds)"), default=86400, validators=[MinValueValidator(1)]
    )
    grace_seconds = models.IntegerField(
        _("grace (seconds)"), default=3600, validators=[MinValueValidator(0)]
    )
    # Freshness (source and/or campaign) and threshold (metric, optional campaign)
    freshness_source = models.CharField(
        _("data source"), max_length=32, blank=True, help_text=_("e.g. google_ads, api")
    )
    campaign = models.ForeignKey(
        "analytics.Campaign",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="checks",
        verbose_name=_("campaign"),
    )
    max_age_hours = models.PositiveIntegerField(
        _("maximum age (hours)"), null=True, blank=True, validators=[MinValueValidator(1)]
    )
    metric = models.ForeignKey(
        "analytics.Metric",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="checks",
        verbose_name=_("metric"),
    )
    min_value = models.FloatField(_("minimum"), null=True, blank=True)
    max_value = models.FloatField(_("maximum"), null=True, blank=True)
    use_anomaly_rule = models.BooleanField(_("alert on detected anomalies"), default=False)
    # Alert rule: N consecutive failures, or a failure rate over a window
    failures_before_down = models.PositiveSmallIntegerField(
        _("consecutive failures before down"), default=1, validators=[MinValueValidator(1)]
    )
    failure_rate = models.FloatField(
        _("failure rate"),
        null=True,
        blank=True,
        validators=[MinValueValidator(0.01), MaxValueValidator(1)],
        help_text=_("Down when this share of results in the window failed (0.01–1)."),
    )
    window_minutes = models.PositiveIntegerField(
        _("window (minutes)"), null=True, blank=True, validators=[MinValueValidator(1)]
    )
    last_ping_at = models.DateTimeField(_("last ping"), null=True, blank=True, editable=False)
    last_evaluated_at = models.DateTimeField(
        _("last evaluated"), null=True, blank=True, editable=False
    )
    next_due_at = models.DateTimeField(_("next due"), null=True, blank=True, editable=False)
    consecutive_failures = models.PositiveIntegerField(
        _("consecutive failures"), default=0, editable=False
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    history = HistoricalRecords(
        excluded_fields=[
            "last_ping_at",
            "last_evaluated_at",
            "next_due_at",
            "consecutive_failures",
            "updated_at",
        ]
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("check")
        verbose_name_plural = _("checks")
        constraints = [
            models.CheckConstraint(condition=in_choices("kind", CheckKind), name="ops_check_kind"),
            models.CheckConstraint(
                condition=in_choices("state", CheckState), name="ops_check_state"
            ),
            models.CheckConstraint(
                condition=Q(grace_seconds__gte=0),
                name="ops_check_grace_not_negative",
                violation_error_message=_("The grace period cannot be negative."),
            ),
            models.CheckConstraint(
                condition=Q(period_seconds__gt=0),
                name="ops_check_period_positive",
                violation_error_message=_("The period must be positive."),
            ),
            models.CheckConstraint(
                condition=Q(interval_seconds__gt=0), name="ops_check_interval_positive"
            ),
            models.CheckConstraint(
                condition=Q(timeout_seconds__gte=1, timeout_seconds__lte=60),
                name="ops_check_timeout_range",
            ),
            models.CheckConstraint(
                condition=Q(failures_before_down__gte=1), name="ops_check_failures_positive"
            ),
            models.CheckConstraint(
                condition=Q(failure_rate__isnull=True)
                | Q(
                    failure_rate__gt=0,
                    failure_rate__lte=1,
                    window_minutes__isnull=False,
                    window_minutes__gt=0,
                ),
                name="ops_check_failure_rate_window",
                violation_error_message=_(
                    "A failure rate must be between 0 and 1 and needs a window."
                ),
            ),
            models.CheckConstraint(
                condition=~Q(kind=CheckKind.HTTP) | ~Q(url=""),
                name="ops_check_http_needs_url",
                violation_error_message=_("An HTTP check needs a URL."),
            ),
            models.CheckConstraint(
                condition=~Q(kind=CheckKind.FRESHNESS)
                | (
                    Q(max_age_hours__isnull=False, max_age_hours__gt=0)
                    & (~Q(freshness_source="") | Q(campaign__isnull=False))
                ),
                name="ops_check_freshness_fields",
                violation_error_message=_(
                    "A freshness check needs a maximum age and a data source or a campaign."
                ),
            ),
            models.CheckConstraint(
                condition=~Q(kind=CheckKind.THRESHOLD)
                | (
                    Q(metric__isnull=False)
                    & (
                        Q(min_value__isnull=False)
                        | Q(max_value__isnull=False)
                        | Q(use_anomaly_rule=True)
                    )
                ),
                name="ops_check_threshold_fields",
                violation_error_message=_(
                    "A threshold check needs a metric and bounds or the anomaly rule."
                ),
            ),
            models.CheckConstraint(
                condition=Q(min_value__isnull=True)
                | Q(max_value__isnull=True)
                | Q(min_value__lte=models.F("max_value")),
                name="ops_check_min_le_max",
                violation_error_message=_("The minimum cannot exceed the maximum."),
            ),
        ]
        indexes = [
            models.Index(fields=["enabled", "next_due_at"], name="ops_check_due"),
            models.Index(fields=["team", "state"], name="ops_check_team_state"),
            models.Index(fields=["tool", "state"], name="ops_check_tool_state"),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("operations:check_detail", args=[self.pk])
