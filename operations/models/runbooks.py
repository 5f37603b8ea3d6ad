"""Runbooks: versioned Markdown with ordered steps, and executions checked off step by step.

Every edit makes a new :class:`RunbookVersion` (its steps are rows of that version and also a
JSON snapshot for diffing); ``Runbook.current_version`` points at the latest.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from mops.models import Role

from .inventory import in_choices


class Runbook(models.Model):
    title = models.CharField(_("title"), max_length=200)
    summary = models.CharField(_("summary"), max_length=300, blank=True)
    tools = models.ManyToManyField(
        "operations.Tool", blank=True, related_name="runbooks", verbose_name=_("tools")
    )
    check_kinds = models.JSONField(
        _("check kinds"),
        default=list,
        blank=True,
        help_text=_("Kinds of check this runbook answers (http, heartbeat, freshness, threshold)."),
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="owned_runbooks",
        verbose_name=_("owner"),
    )
    team = models.ForeignKey(
        "mops.Team", on_delete=models.PROTECT, related_name="runbooks", verbose_name=_("team")
    )
    review_interval_days = models.PositiveIntegerField(_("review every (days)"), default=90)
    last_reviewed_at = models.DateTimeField(_("last reviewed"), null=True, blank=True)
    current_version = models.ForeignKey(
        "operations.RunbookVersion",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
        verbose_name=_("current version"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        ordering = ["title"]
        verbose_name = _("runbook")
        verbose_name_plural = _("runbooks")
        constraints = [
            models.CheckConstraint(
                condition=Q(review_interval_days__gt=0), name="ops_runbook_review_positive"
            ),
        ]
        indexes = [models.Index(fields=["team", "title"], name="ops_runbook_team_title")]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("operations:runbook_detail", args=[self.pk])

    @property
    def review_due_at(self) -> datetime.datetime:
        since = self.last_reviewed_at or self.created_at or timezone.now()
        return since + datetime.timedelta(days=self.review_interval_days)

    @property
    def is_stale(self) -> bool:
        """Overdue for review."""
        return self.review_due_at < timezone.now()


class RunbookVersion(models.Model):
    runbook = models.ForeignKey(
        Runbook, on_delete=models.CASCADE, related_name="versions", verbose_name=_("runbook")
    )
    number = models.PositiveIntegerField(_("version"))
    body_markdown = models.TextField(_("body (Markdown)"), blank=True)
    steps_snapshot = models.JSONField(_("steps"), default=list, blank=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("author"),
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    change_note = models.CharField(_("change note"), max_length=300, blank=True)

    class Meta:
        ordering = ["runbook", "-number"]
        get_latest_by = "number"
        verbose_name = _("runbook version")
        verbose_name_plural = _("runbook versions")
        constraints = [
            models.UniqueConstraint(fields=["runbook", "number"], name="ops_runbookversion_number"),
            models.CheckConstraint(condition=Q(number__gte=1), name="ops_runbookversion_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.runbook} v{self.number}"

    def get_absolute_url(self) -> str:
        return self.runbook.get_absolute_url()


class StepKind(models.TextChoices):
    ACTION = "action", _("Action")
    DECISION = "decision", _("Decision")
    APPROVAL = "approval", _("Approval")


class RunbookStep(models.Model):
    """A step of one version. An approval needs someone with ``approver_role`` to give it."""

    version = models.ForeignKey(
        RunbookVersion, on_delete=models.CASCADE, related_name="steps", verbose_name=_("version")
    )
    order = models.PositiveSmallIntegerField(_("order"))
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("instructions"), blank=True)
    kind = models.CharField(
        _("kind"), max_length=10, choices=StepKind.choices, default=StepKind.ACTION
    )
    approver_role = models.CharField(
        _("approver role"), max_length=20, choices=Role.choices, blank=True
    )

    class Meta:
        ordering = ["version", "order"]
        verbose_name = _("runbook step")
        verbose_name_plural = _("runbook steps")
        constraints = [
            models.UniqueConstraint(fields=["version", "order"], name="ops_runbookstep_order"),
            models.CheckConstraint(condition=in_choices("kind", StepKind), name="ops_step_kind"),
            models.CheckConstraint(
                condition=~Q(kind=StepKind.APPROVAL) | ~Q(approver_role=""),
                name="ops_step_approval_has_role",
                violation_error_message=_("An approval step needs the role that approves it."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.order}. {self.title}"


class ExecutionOutcome(models.TextChoices):
    SUCCESS = "success", _("Success")
    PARTIAL = "partial", _("Partial")
    FAILED = "failed", _("Failed")
    ABORTED = "aborted", _("Aborted")


class RunbookExecution(models.Model):
    """One run of a runbook version; ``outcome`` is empty while it runs."""

    runbook = models.ForeignKey(
        Runbook, on_delete=models.CASCADE, related_name="executions", verbose_name=_("runbook")
    )
    version = models.ForeignKey(
        RunbookVersion,
        on_delete=models.PROTECT,
        related_name="executions",
        verbose_name=_("version"),
    )
    incident = models.ForeignKey(
        "operations.Incident",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="runbook_executions",
        verbose_name=_("incident"),
    )
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="runbook_executions",
        verbose_name=_("started by"),
    )
    started_at = models.DateTimeField(_("started at"), default=timezone.now)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    outcome = models.CharField(
        _("outcome"), max_length=10, choices=ExecutionOutcome.choices, blank=True
    )
    notes = models.TextField(_("notes"), blank=True)

    class Meta:
        ordering = ["-started_at"]
        verbose_name = _("runbook execution")
        verbose_name_plural = _("runbook executions")
        constraints = [
            models.CheckConstraint(
                condition=Q(outcome="") | in_choices("outcome", ExecutionOutcome),
                name="ops_execution_outcome",
            ),
            models.CheckConstraint(
                condition=Q(finished_at__isnull=True) | Q(finished_at__gte=F("started_at")),
                name="ops_execution_finish_after_start",
            ),
            models.CheckConstraint(
                condition=Q(finished_at__isnull=True, outcome="")
                | (Q(finished_at__isnull=False) & ~Q(outcome="")),
                name="ops_execution_finished_has_outcome",
            ),
        ]
        indexes = [models.Index(fields=["runbook", "started_at"], name="ops_execution_runbook")]

    def __str__(self) -> str:
        return f"{self.runbook} @ {self.started_at:%Y-%m-%d %H:%M}"

    def get_absolute_url(self) -> str:
        return self.runbook.get_absolute_url()

    @property
    def duration(self) -> datetime.timedelta | None:
        if self.finished_at is None:
            return None
        return self.finished_at - self.started_at


class StepRun(models.Model):
    """A step checked off in an execution, with the decision taken or the approval given."""

    execution = models.ForeignKey(
        RunbookExecution,
        on_delete=models.CASCADE,
        related_name="step_runs",
        verbose_name=_("execution"),
    )
    step = models.ForeignKey(
        RunbookStep, on_delete=models.PROTECT, related_name="runs", verbose_name=_("step")
    )
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("done by"),
    )
    done_at = models.DateTimeField(_("done at"), default=timezone.now)
    note = models.TextField(_("note"), blank=True)
    decision = models.CharField(_("decision"), max_length=200, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("approved by"),
    )

    class Meta:
        ordering = ["execution", "step__order"]
        verbose_name = _("step run")
        verbose_name_plural = _("step runs")
        constraints = [
            models.UniqueConstraint(fields=["execution", "step"], name="ops_steprun_once"),
        ]

    def __str__(self) -> str:
        return f"{self.execution} · {self.step}"

    def get_absolute_url(self) -> str:
        return self.execution.get_absolute_url()
