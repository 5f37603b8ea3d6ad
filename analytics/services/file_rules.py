"""What both ways of loading a file share (``files`` reads it whole, ``streamed`` block by
block): the caller's request, the facts frame built from a parsed file, and the file-level
refusals (no campaign column, a currency the campaigns are not kept in)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd
from django.utils.translation import gettext as _

from ..loader import ParsedFile
from ..models import Campaign
from .facts import CampaignResolver, PointError


@dataclass
class FileRequest:
    """What the caller asked for, beyond the file."""

    source: str | None
    create_campaigns_for_team: Any
    campaign_code: str | None
    column_map: dict[str, str]


def no_campaign_column() -> PointError:
    return PointError(
        0,
        "campaign",
        _("The file has no campaign column: choose the campaign all its rows belong to."),
    )


def file_frame(parsed: ParsedFile, source: str, request: FileRequest) -> pd.DataFrame:
    """The parsed facts as ``load_frame`` takes them: one frame, no object per fact."""
    facts = parsed.facts
    return pd.DataFrame(
        {
            "campaign": request.campaign_code or facts["campaign"],
            "date": facts["date"],
            "metric": facts["metric"],
            "value": facts["value"].astype("float64"),
            "source": source,
            "index": facts["row"].astype("int64"),
        },
        index=facts.index,
    )


def currency_mismatches(campaign_values: set[str], currency: str) -> list[PointError]:
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
