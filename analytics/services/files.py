"""Load a file (upload form or ``import_metrics``): parse, resolve, validate, upsert."""

from __future__ import annotations

import hashlib
from typing import Any

from django.utils.translation import gettext as _

from ..loader import FileRefused, parse_file
from ..models import BatchKind, Campaign, ImportBatch
from .facts import LoadResult, Point, PointError, load_points, refuse


def load_file(
    data: bytes,
    filename: str,
    *,
    kind: str = BatchKind.COMMAND,
    user: Any = None,
    source: str | None = None,
    create_campaigns_for_team: Any = None,
    campaign_code: str | None = None,
    column_map: dict[str, str] | None = None,
) -> LoadResult:
    """The whole file loads, or nothing does and the batch says why (row and column)."""
    batch = ImportBatch.objects.create(
        kind=kind,
        created_by=user,
        filename=filename[:255],
        checksum=hashlib.sha256(data).hexdigest(),
    )
    try:
        parsed = parse_file(data, filename, column_map=column_map)
    except FileRefused as exc:
        batch.source = source or ""
        return refuse(batch, [PointError(0, "file", str(exc), "refused")])
    batch.source = source or parsed.platform or "upload"
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
    if campaign_code:
        if not Campaign.objects.filter(code=campaign_code).exists():
            return refuse(
                batch,
                [
                    PointError(
                        0,
                        "campaign",
                        _("Unknown campaign code “%(code)s”.") % {"code": campaign_code},
                    )
                ],
            )
        campaigns = [campaign_code] * len(facts)
    elif "campaign" not in facts or facts["campaign"].isna().all():
        return refuse(
            batch,
            [
                PointError(
                    0,
                    "campaign",
                    _(
                        "The file has no campaign column: "
                        "choose the campaign all its rows belong to."
                    ),
                )
            ],
        )
    else:
        campaigns = facts["campaign"].astype(str).tolist()
    points = [
        Point(campaign=c, date=d, metric=m, value=float(v), source=batch.source, index=int(r))
        for c, d, m, v, r in zip(
            campaigns,
            facts["date"].tolist(),
            facts["metric"].tolist(),
            facts["value"].tolist(),
            facts["row"].tolist(),
            strict=True,
        )
    ]
    return load_points(
        points,
        batch=batch,
        match_names=True,
        create_campaigns_for_team=create_campaigns_for_team,
    )
