"""Planned maintenance on tools. Checks on a tool in maintenance do not open incidents."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from .inventory import in_choices


class MaintenanceStatus(models.TextChoices):
    SCHEDULED = "scheduled", _("Scheduled")
    IN_PROGRESS = "in_progress", _("In progress")
    DONE = "done", _("Done")
    CANCELLED = "cancelled", _("Cancelled")


class MaintenanceWindow(models.Model):
    """A one-off window, or the first occurrence of a recurring one (``recurrence`` is an
    RFC 5545 RRULE such as ``FREQ=WEEKLY;BYDAY=TU``, read with dateutil's ``rrulestr``)."""

    tool = models.ForeignKey(
        "operations.Tool",
        on_delete=models.CASCADE,
        related_name="maintenance_windows",
        verbose_name=_("tool"),
    )
    team = models.ForeignKey(
        "mops.Team",
        on_delete=models.PROTECT,
        related_name="maintenance_windows",
        verbose_name=_("team"),
    )
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    recurrence = models.CharField(
        _("recurrence (RRULE)"),
        max_length=500,
        blank=True,
        help_text=_("Empty for a one-off window, e.g. FREQ=WEEKLY;BYDAY=TU for every Tuesday."),
    )
    status = models.CharField(
        _("status"),
        max_length=12,
        choices=MaintenanceStatus.choices,
        default=MaintenanceStatus.SCHEDULED,
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-starts_at"]
        verbose_name = _("maintenance window")
        verbose_name_plural = _("maintenance windows")
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=F("starts_at")),
                name="ops_maintenance_ends_after_start",
                violation_error_message=_("A maintenance window must end after it starts."),
            ),
            models.CheckConstraint(
                condition=in_choices("status", MaintenanceStatus), name="ops_maintenance_status"
            ),
        ]
        indexes = [
            models.Index(fields=["tool", "starts_at", "ends_at"], name="ops_maintenance_tool_span"),
            models.Index(fields=["status", "starts_at"], name="ops_maintenance_status_start"),
            models.Index(fields=["team", "starts_at"], name="ops_maintenance_team_start"),
        ]

    def __str__(self) -> str:
        return f"{self.tool}: {self.title}"

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("operations:maintenance_detail", args=[self.pk])
