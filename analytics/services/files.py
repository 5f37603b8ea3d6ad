"""Load a file (upload form or ``import_metrics``): parse, resolve, validate, upsert.

A large regular CSV streams (``analytics.services.streamed``: block by block, memory flat as
files grow). Everything else, and a stream that turns out irregular part-way (its writes rolled
back), is read whole here. Both paths load the same facts and report the same errors.
"""

from __future__ import annotations

import hashlib
import io
from collections.abc import Callable
from typing import IO, Any

from django.utils.translation import gettext as _

from ..loader import FileRefused, NotStreamable, check_column_map, open_stream, parse_file
from ..models import BatchKind, Campaign, ImportBatch
from .facts import LoadResult, PointError, load_frame, refuse
from .file_rules import FileRequest, currency_mismatches, file_frame, no_campaign_column
from .streamed import load_streamed


def load_file(
    file: bytes | IO[bytes],
    filename: str,
    *,
    kind: str = BatchKind.COMMAND,
    user: Any = None,
    source: str | None = None,
    create_campaigns_for_team: Any = None,
    campaign_code: str | None = None,
    column_map: dict[str, str] | None = None,
    batch: ImportBatch | None = None,
    progress: Callable[[int], None] | None = None,
) -> LoadResult:
    """The whole file loads, or nothing does and the batch says why (row and column).

    ``file`` is the file's bytes or a seekable binary file (which large files should be: they
    are then never held in memory whole). ``batch`` is an existing pending batch (an upload
    confirmed from the preview) to fill in; ``progress`` is called with a percentage as the load
    advances.
    """
    stream = io.BytesIO(file) if isinstance(file, bytes) else file
    report = progress or (lambda percent: None)
    if batch is None:
        batch = ImportBatch.objects.create(
            kind=kind,
            created_by=user,
            filename=filename[:255],
            checksum=_sha256(stream),
        )
    report(5)
    request = FileRequest(
        source, create_campaigns_for_team, campaign_code, check_column_map(column_map)
    )
    if campaign_code and not Campaign.objects.filter(code=campaign_code).exists():
        batch.source = source or ""
        return refuse(
            batch,
            [
                PointError(
                    0, "campaign", _("Unknown campaign code “%(code)s”.") % {"code": campaign_code}
                )
            ],
        )
    streamed = open_stream(stream, filename, request.column_map)
    if streamed is not None:
        try:
            return load_streamed(streamed, batch, request, report)
        except NotStreamable:
            pass  # irregular part-way: its writes were rolled back; read it whole
    stream.seek(0)
    return _load_whole(stream.read(), filename, batch, request, report)


def _sha256(stream: IO[bytes]) -> str:
    digest = hashlib.sha256()
    stream.seek(0)
    while block := stream.read(1 << 20):
        digest.update(block)
    stream.seek(0)
    return digest.hexdigest()


def _load_whole(
    data: bytes, filename: str, batch: ImportBatch, request: FileRequest, report: Callable
) -> LoadResult:
    try:
        parsed = parse_file(data, filename, column_map=request.column_map)
    except FileRefused as exc:
        batch.source = request.source or ""
        return refuse(batch, [PointError(0, "file", str(exc), "refused")])
    del data
    batch.source = request.source or parsed.platform or "upload"
    batch.encoding, batch.layout = parsed.encoding, parsed.layout
    facts = parsed.facts
    # Each invalid cell is a fact that was received but could not be read.
    batch.received = len(facts) + parsed.error_count
    if parsed.errors:
        return refuse(
            batch,
            [PointError(e.row or 0, e.column or "", e.message) for e in parsed.errors],
            error_count=parsed.error_count,
        )
    has_campaigns = "campaign" in facts and not facts["campaign"].isna().all()
    if not (request.campaign_code or has_campaigns):
        return refuse(batch, [no_campaign_column()])
    frame = file_frame(parsed, batch.source, request)
    campaigns = set(frame["campaign"].unique())
    if parsed.currency and (mismatches := currency_mismatches(campaigns, parsed.currency)):
        return refuse(batch, mismatches)
    report(60)
    return load_frame(
        frame,
        batch=batch,
        match_names=True,
        create_campaigns_for_team=request.create_campaigns_for_team,
        campaign_currency=parsed.currency,
    )
