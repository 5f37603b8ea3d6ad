"""Demo data for analytics: campaigns, a year of daily facts, KPI definitions and their values.

The numbers are deterministic: each (campaign, day) draws from its own ``random.Random`` seeded
by the campaign code and the date, so a second run the same day changes nothing and a run on a
later day only adds the new days. The series carry weekly seasonality (weekday levels per
channel), yearly seasonality (a slow sine), a sale peak (late-November sale and the year-end
sale) and a tag outage: conversions (and revenue) of the search campaigns read 0 for 3 days
about 5 weeks before today.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from mops.models import Team

from .models import (
    BatchKind,
    BatchStatus,
    Campaign,
    CampaignStatus,
    ImportBatch,
    Kpi,
    KpiValue,
    Metric,
)
from .services.anomalies import detect_anomalies
from .services.campaigns import create_campaign
from .services.facts import upsert_facts
from .services.kpis import create_kpi
from .services.recompute import recompute_kpis

SEED = 20261123
DAYS = 365


@dataclass(frozen=True)
class DemoCampaign:
    code: str
    name: str
    channel: str
    source: str
    budget: int
    impressions: float  # a typical weekday
    ctr: float
    cpc: float
    cvr: float
    order_value: float


CAMPAIGNS = [
    DemoCampaign(
        "search-brand",
        "ブランド検索（Google）",
        "search",
        "google_ads",
        3_000_000,
        12_000,
        0.12,
        45,
        0.09,
        9_800,
    ),
    DemoCampaign(
        "search-generic",
        "一般キーワード検索（Google）",
        "search",
        "google_ads",
        6_000_000,
        40_000,
        0.045,
        110,
        0.035,
        8_500,
    ),
    DemoCampaign(
        "yahoo-search",
        "Yahoo!検索広告 冬物",
        "search",
        "yahoo_ads",
        2_400_000,
        18_000,
        0.05,
        85,
        0.04,
        8_200,
    ),
    DemoCampaign(
        "meta-awareness",
        "Instagram 認知拡大",
        "social",
        "meta",
        2_000_000,
        90_000,
        0.009,
        60,
        0.012,
        7_000,
    ),
    DemoCampaign(
        "meta-retargeting",
        "Facebook リターゲティング",
        "social",
        "meta",
        1_500_000,
        30_000,
        0.015,
        70,
        0.05,
        9_000,
    ),
    DemoCampaign(
        "display-gdn",
        "ディスプレイ広告 新商品",
        "display",
        "google_ads",
        1_800_000,
        150_000,
        0.004,
        35,
        0.01,
        6_500,
    ),
    DemoCampaign(
        "youtube-brand",
        "YouTube ブランド動画",
        "video",
        "google_ads",
        2_500_000,
        60_000,
        0.006,
        40,
        0.008,
        7_500,
    ),
    DemoCampaign(
        "yahoo-display",
        "Yahoo!ディスプレイ 年末セール",
        "display",
        "yahoo_ads",
        1_200_000,
        80_000,
        0.005,
        30,
        0.012,
        6_800,
    ),
    DemoCampaign(
        "newsletter",
        "メールマガジン 会員向け",
        "email",
        "google_ads",
        300_000,
        20_000,
        0.03,
        5,
        0.06,
        8_000,
    ),
    DemoCampaign(
        "affiliate",
        "アフィリエイト 比較サイト",
        "affiliate",
        "google_ads",
        1_000_000,
        25_000,
        0.02,
        90,
        0.06,
        8_800,
    ),
]

# Weekday levels (Mon..Sun): search and email peak on weekdays, social and video on weekends.
WEEKLY = {
    "search": [1.08, 1.1, 1.06, 1.04, 1.0, 0.85, 0.87],
    "social": [0.9, 0.92, 0.95, 0.97, 1.02, 1.12, 1.12],
    "display": [1.0, 1.0, 1.0, 1.0, 1.0, 0.98, 0.98],
    "video": [0.88, 0.9, 0.92, 0.95, 1.05, 1.15, 1.15],
    "email": [1.3, 1.05, 1.0, 1.2, 1.0, 0.6, 0.5],
    "affiliate": [1.0, 1.02, 1.0, 1.0, 1.05, 0.95, 0.95],
}

KPIS = [
    # key, name, name_ja, expression, unit, display format, granularity
    ("cpa", "CPA", "獲得単価", "cost / conversions", "円", "currency", "week"),
    ("conversions", "Conversions", "コンバージョン数", "conversions", "CV", "number", "week"),
    ("ctr", "CTR", "クリック率", "clicks / impressions", "%", "percent", "week"),
    ("roas", "ROAS", "広告費用対効果", "revenue / cost", "", "ratio", "month"),
    ("cpc", "CPC", "クリック単価", "cost / clicks", "円", "currency", "week"),
    ("mql", "MQL", "有望リード数", "leads", "件", "number", "month"),
    ("sessions", "Sessions", "セッション数", "sessions", "", "number", "week"),
    ("revenue", "Revenue", "売上", "revenue", "円", "currency", "month"),
]


def sale_factor(day: date) -> float:
    """Late-November sale (20–30 Nov) and the year-end sale (26 Dec – 3 Jan)."""
    if day.month == 11 and 20 <= day.day <= 30:
        return 1.9
    if (day.month == 12 and day.day >= 26) or (day.month == 1 and day.day <= 3):
        return 2.3
    return 1.0


def outage_days(today: date) -> set[date]:
    start = today - timedelta(weeks=5)
    return {start, start + timedelta(days=1), start + timedelta(days=2)}


def daily_values(campaign: DemoCampaign, day: date, outage: set[date]) -> dict[str, float]:
    rng = random.Random(f"{SEED}:{campaign.code}:{day.isoformat()}")

    def noise(sigma: float = 0.08) -> float:
        return math.exp(rng.gauss(0.0, sigma))

    yearly = 1.0 + 0.15 * math.sin(2 * math.pi * (day.timetuple().tm_yday - 80) / 365.0)
    sale = sale_factor(day)
    level = campaign.impressions * WEEKLY[campaign.channel][day.weekday()] * yearly
    impressions = round(level * (1 + 0.4 * (sale - 1)) * noise())
    clicks = round(impressions * campaign.ctr * noise())
    cost = round(clicks * campaign.cpc * noise(0.05))
    conversions = round(clicks * campaign.cvr * sale**0.5 * noise(0.12))
    revenue = round(conversions * campaign.order_value * noise(0.1))
    sessions = round(clicks * 0.92 * noise(0.03))
    leads = round(conversions * 0.55 * noise(0.15))
    if campaign.channel == "search" and day in outage:
        conversions = revenue = 0  # the broken conversion tag
    return {
        "impressions": impressions,
        "clicks": clicks,
        "cost": cost,
        "conversions": conversions,
        "revenue": revenue,
        "sessions": sessions,
        "leads": leads,
    }


def _campaigns(team: Team, today: date) -> dict[str, Campaign]:
    campaigns = {}
    for demo in CAMPAIGNS:
        campaign = Campaign.objects.filter(code=demo.code).first()
        if campaign is None:
            campaign = create_campaign(
                team=team,
                name=demo.name,
                code=demo.code,
                channel=demo.channel,
                source=demo.source,
                budget=Decimal(demo.budget),
                currency="JPY",
                status=CampaignStatus.ACTIVE,
                start_date=today - timedelta(days=DAYS - 1),
                utm_source=demo.source.split("_")[0],
                utm_medium={"search": "cpc", "email": "email"}.get(demo.channel, "paid"),
                utm_campaign=demo.code,
            )
        campaigns[demo.code] = campaign
    return campaigns


def _load_facts(campaigns: dict[str, Campaign], today: date) -> tuple[int, int]:
    metric_ids = dict(Metric.objects.values_list("key", "id"))
    outage = outage_days(today)
    first = today - timedelta(days=DAYS - 1)
    by_source: dict[str, list[tuple[Any, ...]]] = {}
    for demo in CAMPAIGNS:
        campaign = campaigns[demo.code]
        rows = by_source.setdefault(demo.source, [])
        for offset in range(DAYS):
            day = first + timedelta(days=offset)
            for key, value in daily_values(demo, day, outage).items():
                rows.append((campaign.pk, day, metric_ids[key], demo.source, float(value)))
    created = updated = 0
    for source, rows in by_source.items():
        batch = ImportBatch.objects.create(
            kind=BatchKind.COMMAND, source=source, filename="seed_demo", received=len(rows)
        )
        batch_created, batch_updated = upsert_facts(rows, batch_id=batch.pk)
        if not (batch_created or batch_updated):
            batch.delete()  # nothing arrived: keep the batch list as it was
            continue
        batch.created, batch.updated = batch_created, batch_updated
        batch.unchanged = len(rows) - batch_created - batch_updated
        batch.status = BatchStatus.SUCCEEDED
        batch.finished_at = timezone.now()
        batch.save()
        created += batch_created
        updated += batch_updated
    return created, updated


def _kpis() -> int:
    made = 0
    for key, name, name_ja, expression, unit, display_format, granularity in KPIS:
        if Kpi.objects.filter(key=key).exists():
            continue
        create_kpi(
            key=key,
            name=name,
            name_ja=name_ja,
            expression=expression,
            unit=unit,
            display_format=display_format,
            granularity=granularity,
        )
        made += 1
    return made


@transaction.atomic
def seed_analytics_demo(*, stdout: Any = None) -> None:
    """Campaigns of the digital-marketing team, a year of facts, KPIs, their values, anomalies."""
    team = Team.objects.get(slug="digital-marketing")
    today = timezone.localdate()
    campaigns = _campaigns(team, today)
    created, updated = _load_facts(campaigns, today)
    new_kpis = _kpis()
    results = recompute_kpis()
    detection = detect_anomalies(campaign_ids=[c.pk for c in campaigns.values()])
    if stdout is not None:
        stdout.write(
            f"analytics: {len(campaigns)} campaigns, facts {created} created / {updated} updated, "
            f"{new_kpis} new KPIs, {sum(r.written for r in results)} KPI values written "
            f"({KpiValue.objects.count()} stored), "
            f"anomalies {detection.created} new / {detection.deleted} removed"
        )
