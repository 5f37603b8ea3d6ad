"""PDCA reviews: a meeting over a period, its prepared agenda, and its state log."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords


class Cadence(models.TextChoices):
    WEEKLY = "weekly", _("Weekly")
    BIWEEKLY = "biweekly", _("Every two weeks")
    MONTHLY = "monthly", _("Monthly")


class ReviewCadence(models.Model):
    """How often a team holds its review (weekly when a team has no row)."""

    team = models.OneToOneField(
        "mops.Team", on_delete=models.CASCADE, related_name="review_cadence"
    )
    cadence = models.CharField(
        _("cadence"), max_length=10, choices=Cadence.choices, default=Cadence.WEEKLY
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("review cadence")
        verbose_name_plural = _("review cadences")

    def __str__(self) -> str:
        return f"{self.team}: {self.get_cadence_display()}"


class ReviewState(models.TextChoices):
    DRAFT = "draft", _("Draft")
    IN_MEETING = "in_meeting", _("In meeting")
    CLOSED = "closed", _("Closed")


class ReviewMeeting(models.Model):
    title = models.CharField(_("title"), max_length=200)
    team = models.ForeignKey(
        "mops.Team", on_delete=models.PROTECT, related_name="reviews", verbose_name=_("team")
    )
    cadence = models.CharField(
        _("cadence"), max_length=10, choices=Cadence.choices, default=Cadence.WEEKLY
    )
    period_start = models.DateField(_("period start"))
    period_end = models.DateField(_("period end"))
    meeting_date = models.DateField(_("meeting date"))
    participants = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="+", verbose_name=_("participants")
    )
    state = models.CharField(
        _("state"), max_length=12, choices=ReviewState.choices, default=ReviewState.DRAFT
    )
    summary = models.TextField(_("summary"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    agenda_prepared_at = models.DateTimeField(_("agenda prepared at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    history = HistoricalRecords(m2m_fields=[participants])

    class Meta:
        ordering = ["-period_start", "team__name"]
        verbose_name = _("review")
        verbose_name_plural = _("reviews")
        constraints = [
            models.CheckConstraint(
                condition=Q(period_end__gte=F("period_start")), name="review_period_order"
            ),
            models.CheckConstraint(
                condition=Q(state__in=[s.value for s in ReviewState]), name="review_state_valid"
            ),
            models.UniqueConstraint(
                fields=["team", "period_start", "period_end"], name="review_one_per_team_period"
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("governance:review_detail", args=[self.pk])

    @property
    def is_closed(self) -> bool:
        return self.state == ReviewState.CLOSED


class ReviewTransition(models.Model):
    """One state change of a review: the log the transition service appends to."""

    review = models.ForeignKey(ReviewMeeting, on_delete=models.CASCADE, related_name="transitions")
    from_state = models.CharField(max_length=12, choices=ReviewState.choices)
    to_state = models.CharField(max_length=12, choices=ReviewState.choices)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.review_id}: {self.from_state} → {self.to_state}"


class AgendaKind(models.TextChoices):
    KPI = "kpi", _("KPI")
    ANOMALY = "anomaly", _("Anomaly")
    INCIDENT = "incident", _("Incident")
    PLAN = "plan", _("Plan")
    ACTION = "action", _("Action")


class AgendaItem(models.Model):
    """One line of a review's agenda with the figures as computed (a JSON snapshot).

    ``ref`` identifies what the item is about (a KPI key, a plan id…) so that refreshing the
    agenda updates the figures and keeps the notes. After closing the figures never change.
    """

    review = models.ForeignKey(ReviewMeeting, on_delete=models.CASCADE, related_name="items")
    kind = models.CharField(_("kind"), max_length=10, choices=AgendaKind.choices)
    ref = models.CharField(max_length=64)
    position = models.PositiveIntegerField(default=0)
    title = models.CharField(_("title"), max_length=300)
    figures = models.JSONField(_("figures"), default=dict)
    notes = models.TextField(_("notes (Check)"), blank=True)
    root_cause = models.TextField(_("root cause"), blank=True)
    decision = models.TextField(_("decision"), blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["review", "position"]
        verbose_name = _("agenda item")
        verbose_name_plural = _("agenda items")
        constraints = [
            models.UniqueConstraint(fields=["review", "kind", "ref"], name="agendaitem_ref")
        ]

    def __str__(self) -> str:
        return self.title
