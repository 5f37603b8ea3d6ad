"""What a monitoring check records: every evaluation's result, its state flips (append-only,
from which downtime is computed) and the heartbeat pings it received."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .inventory import in_choices
from .monitoring import Check, CheckState


class ResultStatus(models.TextChoices):
    UP = "up", _("Up")
    DOWN = "down", _("Down")
    UNKNOWN = "unknown", _("Unknown")


class CheckResult(models.Model):
    """One evaluation. ``unknown`` records a gap while the scheduler was not running.

    Bounded: ``operations.tasks.prune_check_results`` deletes old rows.
    """

    monitor = models.ForeignKey(
        Check, on_delete=models.CASCADE, related_name="results", verbose_name=_("check")
    )
    at = models.DateTimeField(_("at"), default=timezone.now)
    status = models.CharField(_("status"), max_length=10, choices=ResultStatus.choices)
    duration_ms = models.PositiveIntegerField(_("duration (ms)"), null=True, blank=True)
    value = models.FloatField(
        _("measured value"),
        null=True,
        blank=True,
        help_text=_("HTTP status, data age in hours or the metric's value."),
    )
    detail = models.TextField(_("detail"), blank=True)

    class Meta:
        ordering = ["-at"]
        get_latest_by = "at"
        verbose_name = _("check result")
        verbose_name_plural = _("check results")
        constraints = [
            models.CheckConstraint(
                condition=in_choices("status", ResultStatus), name="ops_checkresult_status"
            ),
        ]
        indexes = [models.Index(fields=["monitor", "at"], name="ops_checkresult_check_at")]

    def __str__(self) -> str:
        return f"{self.monitor} {self.get_status_display()} @ {self.at:%Y-%m-%d %H:%M}"

    def get_absolute_url(self) -> str:
        return self.monitor.get_absolute_url()

    @property
    def ok(self) -> bool | None:
        """True when up, False when down, None when unknown."""
        if self.status == ResultStatus.UNKNOWN:
            return None
        return self.status == ResultStatus.UP


class Flip(models.Model):
    """An append-only state change of a check: the uptime history and the work to act on."""

    monitor = models.ForeignKey(
        Check, on_delete=models.CASCADE, related_name="flips", verbose_name=_("check")
    )
    at = models.DateTimeField(_("at"), default=timezone.now)
    old_state = models.CharField(_("old state"), max_length=10, choices=CheckState.choices)
    new_state = models.CharField(_("new state"), max_length=10, choices=CheckState.choices)
    reason = models.CharField(_("reason"), max_length=300, blank=True)
    processed_at = models.DateTimeField(
        _("processed at"),
        null=True,
        blank=True,
        help_text=_("When the incident for this flip was opened or resolved."),
    )

    class Meta:
        ordering = ["-at"]
        get_latest_by = "at"
        verbose_name = _("flip")
        verbose_name_plural = _("flips")
        constraints = [
            models.CheckConstraint(
                condition=in_choices("old_state", CheckState) & in_choices("new_state", CheckState),
                name="ops_flip_states",
            ),
            models.CheckConstraint(
                condition=~Q(old_state=models.F("new_state")), name="ops_flip_changes_state"
            ),
        ]
        indexes = [
            models.Index(fields=["monitor", "at"], name="ops_flip_check_at"),
            models.Index(
                fields=["at"], condition=Q(processed_at__isnull=True), name="ops_flip_unprocessed"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.monitor}: {self.old_state} → {self.new_state}"

    def get_absolute_url(self) -> str:
        return self.monitor.get_absolute_url()


class PingKind(models.TextChoices):
    SUCCESS = "success", _("Success")
    START = "start", _("Start")
    FAIL = "fail", _("Failure")


class Ping(models.Model):
    """A heartbeat ping received on ``/ping/<uuid>/``. Bounded like results."""

    BODY_LIMIT = 1000  # characters of the request body kept

    monitor = models.ForeignKey(
        Check, on_delete=models.CASCADE, related_name="pings", verbose_name=_("check")
    )
    at = models.DateTimeField(_("at"), default=timezone.now)
    kind = models.CharField(
        _("kind"), max_length=10, choices=PingKind.choices, default=PingKind.SUCCESS
    )
    remote_addr = models.GenericIPAddressField(_("remote address"), null=True, blank=True)
    user_agent = models.CharField(_("user agent"), max_length=200, blank=True)
    method = models.CharField(_("method"), max_length=10, blank=True)
    body = models.CharField(_("body excerpt"), max_length=BODY_LIMIT, blank=True)

    class Meta:
        ordering = ["-at"]
        get_latest_by = "at"
        verbose_name = _("ping")
        verbose_name_plural = _("pings")
        constraints = [
            models.CheckConstraint(condition=in_choices("kind", PingKind), name="ops_ping_kind"),
        ]
        indexes = [models.Index(fields=["monitor", "at"], name="ops_ping_check_at")]

    def __str__(self) -> str:
        return f"{self.monitor} ping @ {self.at:%Y-%m-%d %H:%M:%S}"

    def get_absolute_url(self) -> str:
        return self.monitor.get_absolute_url()
