"""Feedback items between 運営 (management) and 運用 (operations), in both directions."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords


class FeedbackDirection(models.TextChoices):
    TO_OPERATIONS = "to_operations", _("Request to operations")
    TO_MANAGEMENT = "to_management", _("Escalation to management")


class FeedbackStatus(models.TextChoices):
    OPEN = "open", _("Open")
    ACCEPTED = "accepted", _("Accepted")
    DONE = "done", _("Done")
    DECLINED = "declined", _("Declined")


def _link(to: str, verbose: Any) -> models.ForeignKey:
    return models.ForeignKey(
        to,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="feedback_items",
        verbose_name=verbose,
    )


class FeedbackItem(models.Model):
    """An improvement request (review or plan → operations, about a tool, runbook or check) or
    an escalation (incident postmortem or check → management, about a KPI or plan)."""

    direction = models.CharField(_("direction"), max_length=16, choices=FeedbackDirection.choices)
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("details"), blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=FeedbackStatus.choices, default=FeedbackStatus.OPEN
    )
    from_team = models.ForeignKey(
        "mops.Team", on_delete=models.PROTECT, related_name="+", verbose_name=_("from team")
    )
    to_team = models.ForeignKey(
        "mops.Team", on_delete=models.PROTECT, related_name="+", verbose_name=_("to team")
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("owner"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    review = _link("governance.ReviewMeeting", _("review"))
    plan = _link("governance.Plan", _("plan"))
    kpi = _link("analytics.Kpi", _("KPI"))
    tool = _link("operations.Tool", _("tool"))
    runbook = _link("operations.Runbook", _("runbook"))
    monitoring_check = _link("operations.Check", _("check"))
    incident = _link("operations.Incident", _("incident"))
    resolution = models.TextField(_("resolution"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("feedback item")
        verbose_name_plural = _("feedback items")
        constraints = [
            models.CheckConstraint(
                condition=Q(direction__in=[d.value for d in FeedbackDirection]),
                name="feedback_direction_valid",
            ),
            models.CheckConstraint(
                condition=Q(status__in=[s.value for s in FeedbackStatus]),
                name="feedback_status_valid",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("governance:feedback_detail", args=[self.pk])

    @property
    def is_open(self) -> bool:
        return self.status in (FeedbackStatus.OPEN, FeedbackStatus.ACCEPTED)
