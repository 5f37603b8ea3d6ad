"""Load a file (upload form or ``import_metrics``): parse, resolve, validate, upsert."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any

import pandas as pd
from django.utils.translation import gettext as _

from ..loader import FileRefused, parse_file
from ..models import BatchKind, Campaign, ImportBatch
from .facts import CampaignResolver, LoadResult, PointError, load_frame, refuse


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
    batch: ImportBatch | None = None,
    progress: Callable[[int], None] | None = None,
) -> LoadResult:
    """The whole file loads, or nothing does and the batch says why (row and column).

    ``batch`` is an existing pending batch (an upload confirmed from the preview) to fill in;
    ``progress`` is called with a percentage as the load advances.
    """
    report = progress or (lambda percent: None)
    if batch is None:
        batch = ImportBatch.objects.create(
            kind=kind,
            created_by=user,
            filename=filename[:255],
            checksum=hashlib.sha256(data).hexdigest(),
        )
    report(5)
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
        campaigns: Any = campaign_code
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
        campaigns = facts["campaign"].astype(str)
    if parsed.currency:
        values = {campaigns} if isinstance(campaigns, str) else set(campaigns.unique())
        if mismatches := _currency_mismatches(values, parsed.currency):
            return refuse(batch, mismatches)
    report(50)
    # One frame, no object per fact: the loader validates a column at a time.
    frame = pd.DataFrame(
        {
            "campaign": campaigns,
            "date": facts["date"],
            "metric": facts["metric"],
            "value": facts["value"].astype("float64"),
            "source": batch.source,
            "index": facts["row"].astype("int64"),
        },
        index=facts.index,
    )
    report(60)
    result = load_frame(
        frame,
        batch=batch,
        match_names=True,
        create_campaigns_for_team=create_campaigns_for_team,
    )
    report(100)
    return result


def _currency_mismatches(campaign_values: set[str], currency: str) -> list[PointError]:
    """The portal converts nothing: a file in one currency may only feed campaigns kept in it.

    Campaigns the load would create are not checked here; unknown ones are reported by the
    loader itself.
    """
    resolver = CampaignResolver(by_name=True)
    ids = {pk for value in campaign_values if (pk := resolver.resolve(value)[0]) and pk > 0}
    return [
        PointError(
            0,
            "currency",
            _(
                "The file is in %(file)s but campaign “%(campaign)s” is kept in %(kept)s: "
                "the portal converts no currency, so load it into a campaign kept in %(file)s."
            )
            % {"file": currency, "campaign": code, "kept": kept},
            "currency_mismatch",
        )
        for code, kept in Campaign.objects.filter(pk__in=ids)
        .exclude(currency=currency)
        .order_by("code")
        .values_list("code", "currency")
    ]
