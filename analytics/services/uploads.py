"""The upload flow: stage the file on a pending batch, preview it, confirm it, load it.

1. :func:`stage_upload` saves the uploaded file on a *pending* :class:`ImportBatch` with the
   choices of the form (source, campaign, create unknown campaigns) in ``options``.
2. :func:`preview_upload` parses it (nothing is written but the batch's preview summary) with
   the column mapping given, else the one saved for the data source, else the detection; it
   lists every error (cells, and campaigns that would be refused).
3. :func:`confirm_upload` refuses a mapping with errors, saves the mapping for the source when
   asked, then loads small files at once and queues large ones (``analytics.tasks.load_upload``)
   — over ``settings.ANALYTICS_UPLOAD_TASK_THRESHOLD`` facts (5,000 by default).
4. :func:`run_upload` (the task, or the request for small files) loads through the one loader,
   ``load_file``, recording ``progress`` on the batch as it goes.

A mapping is ``{"<header as in the file>": choice}`` where a choice is ``date``, ``campaign``, a
metric key, ``ignore``, or one of the loader's other roles (``source``, ``currency``,
``dimension``, and ``metric`` / ``value`` for long files). :class:`ColumnMap` stores the same.
"""

from __future__ import annotations

import datetime
import hashlib
import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from mops.models import Team

from ..loader import METRIC_KEYS, FileRefused, ParsedFile, parse_file
from ..loader.headers import BASE_ROLES
from ..models import BatchKind, BatchStatus, Campaign, ColumnMap, ImportBatch
from .facts import CampaignResolver
from .files import load_file

IGNORE = "ignore"
logger = logging.getLogger(__name__)
PREVIEW_ROWS = 20
DEFAULT_TASK_THRESHOLD = 5000

ROLE_LABELS = {
    "date": gettext_lazy("Date"),
    "campaign": gettext_lazy("Campaign"),
    "source": gettext_lazy("Data source"),
    "currency": gettext_lazy("Currency"),
    "dimension": gettext_lazy("Breakdown (ad group, device …)"),
    "metric": gettext_lazy("Metric name (long layout)"),
    "value": gettext_lazy("Value (long layout)"),
}


def mapping_choices() -> list[tuple[str, str]]:
    """Choices for each column of the mapping form: roles, then metric keys, then ignore."""
    choices = [(role, str(label)) for role, label in ROLE_LABELS.items()]
    choices += [(key, _("Metric: %(key)s") % {"key": key}) for key in METRIC_KEYS]
    return [*choices, (IGNORE, _("Ignore this column"))]


def to_loader_map(mapping: Mapping[str, str]) -> dict[str, str]:
    """A saved/posted mapping in the loader's role names (``metric:<key>``, ``ignored``)."""
    out = {}
    for header, choice in mapping.items():
        if choice == IGNORE:
            out[header] = "ignored"
        elif choice in METRIC_KEYS:
            out[header] = f"metric:{choice}"
        elif choice in BASE_ROLES:
            out[header] = choice
    return out


def from_loader_columns(columns: Mapping[str, str]) -> dict[str, str]:
    """The loader's detected roles as mapping choices."""
    out = {}
    for header, role in columns.items():
        if role.startswith("metric:"):
            out[header] = role[7:]
        elif role in ROLE_LABELS:
            out[header] = role
        else:
            out[header] = IGNORE
    return out


def _threshold() -> int:
    return int(getattr(settings, "ANALYTICS_UPLOAD_TASK_THRESHOLD", DEFAULT_TASK_THRESHOLD))


# --------------------------------------------------------------------------- stage


@transaction.atomic
def stage_upload(
    *,
    user: Any,
    uploaded_file: Any,
    source: str = "",
    campaign: Campaign | None = None,
    create_campaigns: bool = False,
) -> ImportBatch:
    """Keep the uploaded file on a pending batch; nothing is loaded yet."""
    data = uploaded_file.read()
    uploaded_file.seek(0)
    team = campaign.team if campaign is not None else user.teams.order_by("pk").first()
    batch = ImportBatch(
        kind=BatchKind.UPLOAD,
        status=BatchStatus.PENDING,
        created_by=user,
        team=team,
        filename=uploaded_file.name[:255],
        checksum=hashlib.sha256(data).hexdigest(),
        source=source,
        options={
            "source": source,
            "campaign": campaign.code if campaign is not None else "",
            "create_campaigns": bool(create_campaigns),
        },
    )
    batch.file.save(uploaded_file.name, uploaded_file, save=False)
    batch.save()
    return batch


# --------------------------------------------------------------------------- preview


@dataclass
class Preview:
    batch: ImportBatch
    source: str = ""
    mapping: dict[str, str] = field(default_factory=dict)
    mapping_origin: str = "detected"  # detected, saved, edited
    parsed: ParsedFile | None = None
    refusal: str = ""
    rows: list[dict[str, Any]] = field(default_factory=list)
    errors: list[dict[str, Any]] = field(default_factory=list)
    error_count: int = 0
    fact_count: int = 0

    @property
    def can_confirm(self) -> bool:
        return not self.refusal and self.error_count == 0 and self.fact_count > 0

    @property
    def runs_in_background(self) -> bool:
        return self.fact_count >= _threshold()


def _read(batch: ImportBatch) -> bytes:
    with batch.file.open("rb") as handle:
        return handle.read()


def _team(batch: ImportBatch) -> Team | None:
    if not batch.options.get("create_campaigns"):
        return None
    if batch.team_id:
        return batch.team
    return batch.created_by.teams.order_by("pk").first() if batch.created_by else None


def _campaign_errors(batch: ImportBatch, parsed: ParsedFile) -> list[dict[str, Any]]:
    """Campaigns the load would refuse (unknown, or a name shared by two campaigns)."""
    code = batch.options.get("campaign")
    facts = parsed.facts
    if code:
        return []
    if "campaign" not in facts or facts["campaign"].isna().all():
        return [
            {
                "row": None,
                "column": "",
                "message": _(
                    "The file has no campaign column: choose the campaign all its rows belong "
                    "to, or map a column to Campaign."
                ),
            }
        ]
    resolver = CampaignResolver(by_name=True, create_for_team=_team(batch))
    campaign_column = next((h for h, r in parsed.columns.items() if r == "campaign"), "")
    errors = []
    firsts = facts.dropna(subset=["campaign"]).groupby("campaign", sort=False)["row"].min()
    for name, row in firsts.sort_values().items():
        _id, problem = resolver.resolve(str(name))
        if problem:
            errors.append({"row": int(row), "column": campaign_column, "message": problem})
    return errors


def preview_upload(*, batch: ImportBatch, mapping: Mapping[str, str] | None = None) -> Preview:
    """Parse the staged file and tell what a load would do; record the summary on the batch.

    ``mapping`` is the one posted from the preview form; without it the mapping saved for the
    data source is used, else the detection.
    """
    data = _read(batch)
    explicit_source = batch.options.get("source") or ""
    origin = "edited" if mapping else "detected"
    loader_map = to_loader_map(mapping or {})
    if not mapping and explicit_source:
        saved = ColumnMap.objects.filter(source=explicit_source).first()
        if saved:
            loader_map, origin = to_loader_map(saved.mapping), "saved"
    preview = Preview(batch=batch, source=explicit_source, mapping_origin=origin)
    try:
        parsed = parse_file(data, batch.filename, column_map=loader_map)
        if not explicit_source and not mapping and parsed.platform:
            saved = ColumnMap.objects.filter(source=parsed.platform).first()
            if saved:
                preview.mapping_origin = "saved"
                parsed = parse_file(data, batch.filename, column_map=to_loader_map(saved.mapping))
    except FileRefused as exc:
        preview.refusal = str(exc)
        preview.mapping = dict(mapping or {})
        _remember(batch, preview)
        return preview
    preview.parsed = parsed
    preview.source = explicit_source or parsed.platform or "upload"
    preview.mapping = from_loader_columns(parsed.columns)
    preview.fact_count = len(parsed.facts)
    preview.rows = parsed.facts.head(PREVIEW_ROWS).to_dict("records")
    preview.errors = [
        {"row": e.row, "column": e.column or "", "message": e.message} for e in parsed.errors
    ]
    preview.error_count = parsed.error_count
    if not parsed.errors:
        campaign_errors = _campaign_errors(batch, parsed)
        preview.errors += campaign_errors
        preview.error_count += len(campaign_errors)
    _remember(batch, preview)
    return preview


def _remember(batch: ImportBatch, preview: Preview) -> None:
    """What was checked, so confirming the same mapping need not parse a large file again."""
    batch.options = {
        **batch.options,
        "mapping": preview.mapping,
        "checked": {
            "mapping": preview.mapping,
            "facts": preview.fact_count,
            "errors": preview.error_count + (1 if preview.refusal else 0),
        },
    }
    if preview.parsed is not None:
        batch.encoding, batch.layout = preview.parsed.encoding, preview.parsed.layout
        batch.source = preview.source
    batch.save(update_fields=["options", "encoding", "layout", "source"])


# --------------------------------------------------------------------------- confirm and load


def save_column_map(*, source: str, mapping: Mapping[str, str], user: Any) -> ColumnMap:
    """Remember a data source's column mapping; later uploads of that source start from it."""
    column_map, _created = ColumnMap.objects.update_or_create(
        source=source[:32], defaults={"mapping": dict(mapping), "updated_by": user}
    )
    return column_map


def confirm_upload(
    *, batch: ImportBatch, user: Any, mapping: Mapping[str, str], save_mapping: bool = False
) -> ImportBatch:
    """Load the previewed file with ``mapping``: now when small, in a worker when large.

    Refused when the batch is no longer pending or the mapping (as last previewed) has errors.
    """
    from ..tasks import load_upload

    with transaction.atomic():
        locked = ImportBatch.objects.select_for_update().get(pk=batch.pk)
        if locked.status != BatchStatus.PENDING:
            raise ValidationError(_("This import was already confirmed."))
        checked = locked.options.get("checked") or {}
        if checked.get("mapping") != dict(mapping):
            raise ValidationError(_("The column mapping changed: check the preview again."))
        if checked.get("errors") or not checked.get("facts"):
            raise ValidationError(_("Correct the errors in the file before loading it."))
        if save_mapping and locked.source:
            save_column_map(source=locked.source, mapping=mapping, user=user)
        locked.options = {**locked.options, "mapping": dict(mapping)}
        background = checked["facts"] >= _threshold()
        locked.status = BatchStatus.RUNNING
        locked.progress = 0
        locked.save(update_fields=["options", "status", "progress"])
        if background:
            transaction.on_commit(lambda: load_upload.delay(locked.pk))
    if not background:
        run_upload(batch_id=locked.pk)
        locked.refresh_from_db()
    return locked


PROGRESS_SECONDS = 6 * 3600


def _progress_key(batch_id: int) -> str:
    return f"mops:upload-progress:{batch_id}"


def live_progress(batch: ImportBatch) -> int:
    """A running batch's progress as its load last reported it (from inside its transaction)."""
    if batch.status != BatchStatus.RUNNING:
        return batch.progress
    return max(batch.progress, cache.get(_progress_key(batch.pk)) or 0)


def run_upload(*, batch_id: int) -> ImportBatch | None:
    """Load a confirmed batch's file (idempotent: a finished batch is left as it is)."""
    batch = ImportBatch.objects.select_related("created_by", "team").filter(pk=batch_id).first()
    if batch is None or batch.status != BatchStatus.RUNNING:
        return batch

    def progress(percent: int) -> None:
        percent = max(0, min(100, percent))
        # The load's own transaction hides the row's update until it commits: the cache tells.
        cache.set(_progress_key(batch_id), percent, PROGRESS_SECONDS)
        ImportBatch.objects.filter(pk=batch_id).update(progress=percent)

    options = batch.options
    with batch.file.open("rb") as handle:  # streamed: a large file is never held whole
        load_file(
            handle,
            batch.filename,
            kind=BatchKind.UPLOAD,
            user=batch.created_by,
            source=options.get("source") or batch.source or None,
            create_campaigns_for_team=_team(batch),
            campaign_code=options.get("campaign") or None,
            column_map=to_loader_map(options.get("mapping") or {}),
            batch=batch,
            progress=progress,
        )
    ImportBatch.objects.filter(pk=batch_id).update(progress=100)
    batch.progress = 100
    return batch


# --------------------------------------------------------------------------- housekeeping

DEFAULT_ABANDONED_DAYS = 7


def prune_abandoned_uploads(*, now: datetime.datetime | None = None) -> int:
    """Delete uploads staged for a preview and never confirmed, with their stored files, once
    they are ``ANALYTICS_ABANDONED_UPLOAD_DAYS`` (7) days old. Nothing was loaded from them; a
    confirmed upload is never pending again. Returns how many were deleted."""
    days = int(getattr(settings, "ANALYTICS_ABANDONED_UPLOAD_DAYS", DEFAULT_ABANDONED_DAYS))
    cutoff = (now or timezone.now()) - datetime.timedelta(days=days)
    abandoned = ImportBatch.objects.filter(
        kind=BatchKind.UPLOAD, status=BatchStatus.PENDING, started_at__lt=cutoff
    )
    deleted = 0
    for batch in abandoned.iterator():
        with transaction.atomic():
            locked = (
                ImportBatch.objects.select_for_update()
                .filter(pk=batch.pk, status=BatchStatus.PENDING)
                .first()
            )
            if locked is None:
                continue  # confirmed meanwhile
            locked.delete()
        # the file goes once the row is gone for good (a failed delete keeps both)
        if batch.file:
            batch.file.delete(save=False)
        deleted += 1
    if deleted:
        logger.info("pruned %d abandoned upload(s) older than %d days", deleted, days)
    return deleted
