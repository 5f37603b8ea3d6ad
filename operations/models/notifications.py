"""Escalation policies and the notifications (email, webhook) sent for incidents."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from mops.models import Role

from .inventory import in_choices


class ChannelKind(models.TextChoices):
    EMAIL = "email", _("Email")
    WEBHOOK = "webhook", _("Webhook")


class NotificationChannel(models.Model):
    """Where a team's notifications go: an email address or an outgoing webhook URL."""

    team = models.ForeignKey(
        "mops.Team",
        on_delete=models.CASCADE,
        related_name="notification_channels",
        verbose_name=_("team"),
    )
    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=10, choices=ChannelKind.choices)
    target = models.CharField(
        _("address or URL"), max_length=500, help_text=_("An email address or a webhook URL.")
    )
    enabled = models.BooleanField(_("enabled"), default=True)

    class Meta:
        ordering = ["team__name", "name"]
        verbose_name = _("notification channel")
        verbose_name_plural = _("notification channels")
        constraints = [
            models.UniqueConstraint(fields=["team", "name"], name="ops_channel_team_name"),
            models.CheckConstraint(
                condition=in_choices("kind", ChannelKind), name="ops_channel_kind"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_kind_display()})"


class EscalationPolicy(models.Model):
    """A team's ordered escalation steps, repeated until someone acknowledges."""

    team = models.ForeignKey(
        "mops.Team",
        on_delete=models.CASCADE,
        related_name="escalation_policies",
        verbose_name=_("team"),
    )
    name = models.CharField(_("name"), max_length=100)
    repeat_count = models.PositiveSmallIntegerField(
        _("repeat"), default=2, help_text=_("How many times the steps run again after the first.")
    )
    is_default = models.BooleanField(_("team default"), default=False)
    history = HistoricalRecords()

    class Meta:
        ordering = ["team__name", "name"]
        verbose_name = _("escalation policy")
        verbose_name_plural = _("escalation policies")
        constraints = [
            models.UniqueConstraint(fields=["team", "name"], name="ops_escalation_team_name"),
            models.UniqueConstraint(
                fields=["team"], condition=Q(is_default=True), name="ops_escalation_one_default"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class EscalationStep(models.Model):
    """Wait ``delay_minutes`` after the previous step, then notify a user, a role or a channel."""

    policy = models.ForeignKey(
        EscalationPolicy, on_delete=models.CASCADE, related_name="steps", verbose_name=_("policy")
    )
    order = models.PositiveSmallIntegerField(_("order"))
    delay_minutes = models.PositiveIntegerField(_("delay (minutes)"), default=0)
    notify_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("notify user"),
    )
    notify_role = models.CharField(
        _("notify role"),
        max_length=20,
        choices=Role.choices,
        blank=True,
        help_text=_("Every team member with this role."),
    )
    channel_kind = models.CharField(
        _("channel"), max_length=10, choices=ChannelKind.choices, default=ChannelKind.EMAIL
    )
    channel = models.ForeignKey(
        NotificationChannel,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="escalation_steps",
        verbose_name=_("notification channel"),
    )

    class Meta:
        ordering = ["policy", "order"]
        verbose_name = _("escalation step")
        verbose_name_plural = _("escalation steps")
        constraints = [
            models.UniqueConstraint(fields=["policy", "order"], name="ops_escalationstep_order"),
            models.CheckConstraint(
                condition=Q(notify_user__isnull=False)
                | ~Q(notify_role="")
                | Q(channel__isnull=False),
                name="ops_escalationstep_has_target",
                violation_error_message=_("A step must notify a user, a role or a channel."),
            ),
            models.CheckConstraint(
                condition=in_choices("channel_kind", ChannelKind),
                name="ops_escalationstep_channel_kind",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.policy} #{self.order}"


class NotificationStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")


class Notification(models.Model):
    """One message to one recipient; sent by a task, retried with backoff, never in a request."""

    incident = models.ForeignKey(
        "operations.Incident",
        on_delete=models.CASCADE,
        related_name="notifications",
        verbose_name=_("incident"),
    )
    channel = models.ForeignKey(
        NotificationChannel,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="notifications",
        verbose_name=_("channel"),
    )
    kind = models.CharField(_("kind"), max_length=10, choices=ChannelKind.choices)
    recipient = models.CharField(_("recipient"), max_length=500)
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=NotificationStatus.choices,
        default=NotificationStatus.PENDING,
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    payload = models.JSONField(_("payload"), default=dict, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        constraints = [
            models.CheckConstraint(
                condition=in_choices("status", NotificationStatus), name="ops_notification_status"
            ),
            models.CheckConstraint(
                condition=in_choices("kind", ChannelKind), name="ops_notification_kind"
            ),
        ]
        indexes = [
            models.Index(
                fields=["next_attempt_at"],
                condition=Q(status="pending"),
                name="ops_notification_due",
            ),
            models.Index(fields=["incident", "created_at"], name="ops_notification_incident"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} → {self.recipient} ({self.get_status_display()})"

    def get_absolute_url(self) -> str:
        return self.incident.get_absolute_url()
