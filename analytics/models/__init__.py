"""Analytics data: campaigns, the metric catalogue, metric facts and import batches.

Metric facts are keyed (campaign, date, metric, source), all NOT NULL. On PostgreSQL the fact
table is a plain heap with the unique B-tree on the key (the loader's ON CONFLICT target) and a
BRIN index on ``date``: facts arrive roughly in date order, so BRIN stays tiny while pruning range
scans of a year of tens of millions of rows. Partitioning by month was not chosen: the unique key
would have to include the partition column (it does: ``date``), but cross-partition upserts and
the ORM's lack of native support cost more than the pruning BRIN already gives at this scale.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords


class Channel(models.TextChoices):
    SEARCH = "search", _("Search")
    SOCIAL = "social", _("Social")
    DISPLAY = "display", _("Display")
    VIDEO = "video", _("Video")
    EMAIL = "email", _("Email")
    AFFILIATE = "affiliate", _("Affiliate")
    OFFLINE = "offline", _("Offline")
    OTHER = "other", _("Other")


class CampaignStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    ACTIVE = "active", _("Active")
    PAUSED = "paused", _("Paused")
    ENDED = "ended", _("Ended")


class Campaign(models.Model):
    code = models.SlugField(
        _("code"),
        max_length=64,
        unique=True,
        help_text=_("Unique and URL-safe; generated from the name when left empty."),
    )
    name = models.CharField(_("name"), max_length=200)
    channel = models.CharField(
        _("channel"), max_length=20, choices=Channel.choices, default=Channel.OTHER
    )
    source = models.CharField(
        _("data source"),
        max_length=32,
        blank=True,
        help_text=_("Where its metrics come from, e.g. google_ads, yahoo_ads, meta."),
    )
    team = models.ForeignKey(
        "mops.Team", on_delete=models.PROTECT, related_name="campaigns", verbose_name=_("team")
    )
    status = models.CharField(
        _("status"), max_length=20, choices=CampaignStatus.choices, default=CampaignStatus.PLANNED
    )
    budget = models.DecimalField(
        _("budget"),
        max_digits=14,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal(0))],
    )
    currency = models.CharField(_("currency"), max_length=3, default="JPY")
    start_date = models.DateField(_("start date"), null=True, blank=True)
    end_date = models.DateField(_("end date"), null=True, blank=True)
    utm_source = models.CharField("utm_source", max_length=100, blank=True)
    utm_medium = models.CharField("utm_medium", max_length=100, blank=True)
    utm_campaign = models.CharField("utm_campaign", max_length=100, blank=True)
    landing_page = models.URLField(_("landing page"), max_length=500, blank=True)
    plan = models.ForeignKey(
        "governance.Plan",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="campaigns",
        verbose_name=_("plan"),
    )
    notes = models.TextField(_("notes"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-start_date", "name"]
        verbose_name = _("campaign")
        verbose_name_plural = _("campaigns")
        # the campaign list's order: its first page is read off the index, not sorted
        # (1,000 campaigns: 1.3 ms -> 0.1 ms, EXPLAIN ANALYZE on PostgreSQL)
        indexes = [models.Index(fields=["-start_date", "code"], name="campaign_list_order")]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__isnull=True)
                | Q(start_date__isnull=True)
                | Q(end_date__gte=F("start_date")),
                name="campaign_end_after_start",
            ),
            models.CheckConstraint(
                condition=Q(budget__isnull=True) | Q(budget__gte=0), name="campaign_budget_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"

    def get_absolute_url(self) -> str:
        return reverse("analytics:campaign_detail", args=[self.code])

    def clean(self) -> None:
        from django.core.exceptions import ValidationError

        if self.start_date and self.end_date and self.end_date < self.start_date:
            raise ValidationError({"end_date": _("End date must be on or after the start date.")})


class Aggregation(models.TextChoices):
    SUM = "sum", _("Sum")


class Metric(models.Model):
    """The metric catalogue: canonical keys, units and valid ranges. Admins may add more."""

    key = models.SlugField(_("key"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=100)
    name_ja = models.CharField(_("Japanese name"), max_length=100, blank=True)
    unit = models.CharField(_("unit"), max_length=20, blank=True)
    aggregation = models.CharField(
        _("aggregation"), max_length=10, choices=Aggregation.choices, default=Aggregation.SUM
    )
    min_value = models.FloatField(_("minimum"), null=True, blank=True, default=0)
    max_value = models.FloatField(_("maximum"), null=True, blank=True)
    is_currency = models.BooleanField(_("money"), default=False)
    history = HistoricalRecords()

    class Meta:
        ordering = ["key"]
        verbose_name = _("metric")
        verbose_name_plural = _("metrics")

    def __str__(self) -> str:
        return self.key


class MetricFact(models.Model):
    """One metric value on one day for one campaign and source.

    The foreign keys have no database constraint and no single-column index: the constraint
    triggers cost one row lookup per fact and key, 16 s of a 23 s insert of 1M facts
    (BENCHMARKS.md); no query uses the indexes (bench/results/explain_fks_1m.txt: campaign
    look-ups, the recompute and ``last_facts_arrival`` go through the unique key, whose leading
    column is the campaign; only a metric's PROTECT check and a batch's SET_NULL scan the table).
    Integrity is kept by row locks instead (``analytics.integrity``): a load locks its campaigns,
    metrics and batch ``FOR KEY SHARE`` before writing and refuses if one is gone; deleting a
    campaign, metric or batch locks the row ``FOR UPDATE`` first, so it waits for running loads;
    Django's collector still applies CASCADE / PROTECT (re-checked after the lock) / SET_NULL.
    Raw SQL deletes bypass this: delete through the ORM.

    The primary key is the fact's natural key, with no surrogate id: one index instead of two,
    and no sequence, makes a bulk COPY into the table about a third faster (BENCHMARKS.md).
    """

    pk = models.CompositePrimaryKey("campaign_id", "date", "metric_id", "source")
    campaign = models.ForeignKey(
        Campaign, models.CASCADE, related_name="facts", db_constraint=False, db_index=False
    )
    date = models.DateField()
    metric = models.ForeignKey(
        Metric, models.PROTECT, related_name="facts", db_constraint=False, db_index=False
    )
    source = models.CharField(max_length=32)
    value = models.FloatField()
    batch = models.ForeignKey(
        "ImportBatch",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        db_constraint=False,
        db_index=False,
    )

    class Meta:
        verbose_name = _("metric fact")
        verbose_name_plural = _("metric facts")

    def __str__(self) -> str:
        return f"{self.campaign_id} {self.date} {self.metric_id} {self.source}={self.value}"


class BatchKind(models.TextChoices):
    UPLOAD = "upload", _("Upload")
    COMMAND = "command", _("Command")
    API = "api", _("API push")


class BatchStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    RUNNING = "running", _("Running")
    SUCCEEDED = "succeeded", _("Loaded")
    REFUSED = "refused", _("Refused")


class ImportBatch(models.Model):
    """A record of one load: who, when, what file, and the counts of facts."""

    kind = models.CharField(_("kind"), max_length=10, choices=BatchKind.choices)
    status = models.CharField(
        _("status"), max_length=10, choices=BatchStatus.choices, default=BatchStatus.PENDING
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("by"),
    )
    team = models.ForeignKey(
        "mops.Team", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    filename = models.CharField(_("file name"), max_length=255, blank=True)
    # The uploaded file as received, kept so that a batch can be downloaded again.
    file = models.FileField(_("file"), upload_to="imports/%Y/%m/", blank=True)
    # What the user chose on the upload form (column map, campaign, create campaigns).
    options = models.JSONField(_("options"), default=dict, blank=True)
    # Percent done while a large load runs in a worker.
    progress = models.PositiveSmallIntegerField(_("progress"), default=0)
    checksum = models.CharField(_("SHA-256"), max_length=64, blank=True)
    source = models.CharField(_("data source"), max_length=32, blank=True)
    encoding = models.CharField(_("encoding"), max_length=20, blank=True)
    layout = models.CharField(_("layout"), max_length=10, blank=True)
    received = models.PositiveIntegerField(_("received"), default=0)
    created = models.PositiveIntegerField(_("created"), default=0)
    updated = models.PositiveIntegerField(_("updated"), default=0)
    unchanged = models.PositiveIntegerField(_("unchanged"), default=0)
    rejected = models.PositiveIntegerField(_("rejected"), default=0)
    errors = models.JSONField(_("errors"), default=list, blank=True)
    error_count = models.PositiveIntegerField(default=0)
    started_at = models.DateTimeField(_("started at"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        ordering = ["-started_at"]
        verbose_name = _("import batch")
        verbose_name_plural = _("import batches")
        indexes = [models.Index(fields=["source", "-finished_at"], name="batch_source_finished")]

    def __str__(self) -> str:
        return f"#{self.pk} {self.filename or self.kind}"

    def counts(self) -> dict[str, int]:
        return {
            "received": self.received,
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "rejected": self.rejected,
        }

    @property
    def duration(self):
        return self.finished_at - self.started_at if self.finished_at else None


class ColumnMap(models.Model):
    """A saved mapping of a data source's file headers to canonical columns and metric keys.

    ``mapping`` is ``{"<header as in the file>": "<date|campaign|metric key|ignore>"}``; the
    upload preview saves it and later uploads of the same source reuse it.
    """

    source = models.SlugField(_("data source"), max_length=32, unique=True)
    mapping = models.JSONField(_("column mapping"), default=dict)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["source"]
        verbose_name = _("column mapping")
        verbose_name_plural = _("column mappings")

    def __str__(self) -> str:
        return self.source


from .kpis import (  # noqa: E402, F401  (re-exported: analytics.models is one namespace)
    Anomaly,
    AnomalyDirection,
    Granularity,
    Kpi,
    KpiDay,
    KpiFormat,
    KpiValue,
)
