"""Incidents, their timeline, postmortems and per-severity acknowledgement targets."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from .inventory import in_choices


class Severity(models.TextChoices):
    SEV1 = "sev1", _("SEV1 (critical)")
    SEV2 = "sev2", _("SEV2 (major)")
    SEV3 = "sev3", _("SEV3 (minor)")
    SEV4 = "sev4", _("SEV4 (low)")


class IncidentState(models.TextChoices):
    TRIGGERED = "triggered", _("Triggered")
    ACKNOWLEDGED = "acknowledged", _("Acknowledged")
    MITIGATED = "mitigated", _("Mitigated")
    RESOLVED = "resolved", _("Resolved")
    CLOSED = "closed", _("Closed")


# States in which an incident is open: at most one open incident per dedup key.
OPEN_STATES = (IncidentState.TRIGGERED, IncidentState.ACKNOWLEDGED, IncidentState.MITIGATED)

# The triage order of open incidents: unacknowledged first, then unassigned, then by severity
# (sev1 < sev2 < …) and age. The board's query and the partial index ``ops_incident_urgent_first``
# use these same expressions, so the database reads the most urgent rows off the index instead
# of sorting every open incident.
URGENT_FIRST = (
    models.Case(
        models.When(state=IncidentState.TRIGGERED, then=models.Value(0)),
        default=models.Value(1),
    ),
    models.Case(models.When(assignee__isnull=True, then=models.Value(0)), default=models.Value(1)),
    models.F("severity"),
    models.F("triggered_at"),
)


class IncidentSource(models.TextChoices):
    CHECK = "check", _("Check")
    MANUAL = "manual", _("Manual")
    API = "api", _("API")


class Incident(models.Model):
    """Something broken that people respond to. State changes go through one service."""

    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    severity = models.CharField(
        _("severity"), max_length=4, choices=Severity.choices, default=Severity.SEV3
    )
    state = models.CharField(
        _("state"),
        max_length=12,
        choices=IncidentState.choices,
        default=IncidentState.TRIGGERED,
        editable=False,
    )
    team = models.ForeignKey(
        "mops.Team", on_delete=models.PROTECT, related_name="incidents", verbose_name=_("team")
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="assigned_incidents",
        verbose_name=_("assignee"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )
    source = models.CharField(
        _("source"), max_length=10, choices=IncidentSource.choices, default=IncidentSource.MANUAL
    )
    source_check = models.ForeignKey(
        "operations.Check",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="incidents",
        verbose_name=_("check"),
    )
    # NULL (not "") means "no key": only real keys take part in the open-key constraint.
    dedup_key = models.CharField(  # noqa: DJ001
        _("dedup key"), max_length=200, null=True, blank=True
    )
    alert_count = models.PositiveIntegerField(_("alerts"), default=1, editable=False)
    affected_tools = models.ManyToManyField(
        "operations.Tool", blank=True, related_name="incidents", verbose_name=_("affected tools")
    )
    affected_campaigns = models.ManyToManyField(
        "analytics.Campaign",
        blank=True,
        related_name="incidents",
        verbose_name=_("affected campaigns"),
    )
    affected_kpis = models.ManyToManyField(
        "analytics.Kpi", blank=True, related_name="incidents", verbose_name=_("affected KPIs")
    )
    triggered_at = models.DateTimeField(_("triggered at"), default=timezone.now)
    acknowledged_at = models.DateTimeField(_("acknowledged at"), null=True, blank=True)
    mitigated_at = models.DateTimeField(_("mitigated at"), null=True, blank=True)
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    # Escalation: the team's policy is copied here when escalation starts.
    escalation_snapshot = models.JSONField(
        _("escalation policy snapshot"), default=dict, blank=True, editable=False
    )
    escalation_step = models.PositiveIntegerField(_("escalation step"), default=0, editable=False)
    escalation_round = models.PositiveIntegerField(_("escalation round"), default=0, editable=False)
    next_escalation_at = models.DateTimeField(
        _("next escalation"), null=True, blank=True, editable=False
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        ordering = ["-triggered_at"]
        verbose_name = _("incident")
        verbose_name_plural = _("incidents")
        constraints = [
            models.UniqueConstraint(
                fields=["dedup_key"],
                condition=Q(dedup_key__isnull=False, state__in=[s.value for s in OPEN_STATES]),
                name="ops_incident_open_dedup_key",
                violation_error_message=_("An open incident with this dedup key already exists."),
            ),
            models.CheckConstraint(
                condition=in_choices("severity", Severity), name="ops_incident_severity"
            ),
            models.CheckConstraint(
                condition=in_choices("state", IncidentState), name="ops_incident_state"
            ),
            models.CheckConstraint(
                condition=in_choices("source", IncidentSource), name="ops_incident_source"
            ),
            models.CheckConstraint(condition=Q(alert_count__gte=1), name="ops_incident_alerts"),
        ]
        indexes = [
            models.Index(fields=["state", "severity", "triggered_at"], name="ops_incident_triage"),
            models.Index(fields=["team", "state"], name="ops_incident_team_state"),
            models.Index(fields=["source_check", "state"], name="ops_incident_check_state"),
            models.Index(
                fields=["next_escalation_at"],
                condition=Q(next_escalation_at__isnull=False),
                name="ops_incident_escalation_due",
            ),
            models.Index(fields=["triggered_at"], name="ops_incident_triggered"),
            models.Index(
                *URGENT_FIRST,
                condition=Q(state__in=[s.value for s in OPEN_STATES]),
                name="ops_incident_urgent_first",
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} [{self.get_severity_display()}] {self.title}"

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("operations:incident_detail", args=[self.pk])

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_STATES


class EventKind(models.TextChoices):
    STATE_CHANGE = "state_change", _("State change")
    COMMENT = "comment", _("Comment")
    CHECK_RESULT = "check_result", _("Check result")
    NOTIFICATION = "notification", _("Notification")
    ESCALATION = "escalation", _("Escalation")
    ALERT = "alert", _("Alert")
    ASSIGNMENT = "assignment", _("Assignment")


class IncidentEvent(models.Model):
    """One line of an incident's timeline (append-only); MTTA/MTTR come from it."""

    incident = models.ForeignKey(
        Incident, on_delete=models.CASCADE, related_name="events", verbose_name=_("incident")
    )
    at = models.DateTimeField(_("at"), default=timezone.now)
    kind = models.CharField(_("kind"), max_length=20, choices=EventKind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("actor"),
    )
    from_state = models.CharField(
        _("from state"), max_length=12, choices=IncidentState.choices, blank=True
    )
    to_state = models.CharField(
        _("to state"), max_length=12, choices=IncidentState.choices, blank=True
    )
    message = models.TextField(_("message"), blank=True)
    data = models.JSONField(_("data"), default=dict, blank=True)

    class Meta:
        ordering = ["at", "pk"]
        verbose_name = _("incident event")
        verbose_name_plural = _("incident events")
        constraints = [
            models.CheckConstraint(
                condition=in_choices("kind", EventKind), name="ops_incidentevent_kind"
            ),
        ]
        indexes = [
            models.Index(fields=["incident", "at"], name="ops_incidentevent_incident_at"),
            models.Index(fields=["at"], name="ops_incidentevent_at"),
        ]

    def __str__(self) -> str:
        return f"{self.incident_id} {self.get_kind_display()} @ {self.at:%Y-%m-%d %H:%M}"

    def get_absolute_url(self) -> str:
        return self.incident.get_absolute_url()


class Postmortem(models.Model):
    """What happened and what we learn; writing it lets a resolved incident be closed."""

    incident = models.OneToOneField(
        Incident, on_delete=models.CASCADE, related_name="postmortem", verbose_name=_("incident")
    )
    summary = models.TextField(_("summary"))
    impact = models.TextField(_("impact"), blank=True)
    root_cause = models.TextField(_("root cause"), blank=True)
    went_well = models.TextField(_("what went well"), blank=True)
    written_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("written by"),
    )
    written_at = models.DateTimeField(_("written at"), default=timezone.now)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-written_at"]
        verbose_name = _("postmortem")
        verbose_name_plural = _("postmortems")

    def __str__(self) -> str:
        return gettext("Postmortem of %(incident)s") % {"incident": self.incident}

    def get_absolute_url(self) -> str:
        return self.incident.get_absolute_url()


class PostmortemAction(models.Model):
    postmortem = models.ForeignKey(
        Postmortem, on_delete=models.CASCADE, related_name="actions", verbose_name=_("postmortem")
    )
    title = models.CharField(_("title"), max_length=200)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="postmortem_actions",
        verbose_name=_("owner"),
    )
    due_date = models.DateField(_("due date"), null=True, blank=True)
    done = models.BooleanField(_("done"), default=False)
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)

    class Meta:
        ordering = ["done", "due_date", "pk"]
        verbose_name = _("postmortem action")
        verbose_name_plural = _("postmortem actions")

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return self.postmortem.incident.get_absolute_url()


class SeverityPolicy(models.Model):
    """Time to acknowledge per severity (the SLA timer), for one team or the default (no team)."""

    team = models.ForeignKey(
        "mops.Team",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="severity_policies",
        verbose_name=_("team"),
        help_text=_("Empty: the default for teams without their own."),
    )
    severity = models.CharField(_("severity"), max_length=4, choices=Severity.choices)
    ack_minutes = models.PositiveIntegerField(_("acknowledge within (minutes)"))
    escalate_after_minutes = models.PositiveIntegerField(
        _("escalate after (minutes)"),
        help_text=_("Unacknowledged incidents start escalating after this long."),
    )

    class Meta:
        ordering = ["team__name", "severity"]
        verbose_name = _("severity policy")
        verbose_name_plural = _("severity policies")
        constraints = [
            models.UniqueConstraint(
                fields=["team", "severity"], name="ops_severitypolicy_team_severity"
            ),
            models.UniqueConstraint(
                fields=["severity"],
                condition=Q(team__isnull=True),
                name="ops_severitypolicy_default_severity",
            ),
            models.CheckConstraint(
                condition=in_choices("severity", Severity), name="ops_severitypolicy_severity"
            ),
            models.CheckConstraint(
                condition=Q(ack_minutes__gt=0), name="ops_severitypolicy_ack_positive"
            ),
        ]

    def __str__(self) -> str:
        team = self.team or gettext("default")
        return f"{team} · {self.get_severity_display()}"
