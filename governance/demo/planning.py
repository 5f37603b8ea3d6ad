"""Governance demo: strategies with their analysis, plans with monthly budgets, actions."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from mops.models import Team

from ..models import (
    Action,
    ActionStatus,
    Plan,
    PlanStatus,
    Strategy,
    StrategyStatus,
)
from ..periods import fiscal_period, fiscal_period_of
from ..services.actions import create_action, update_action
from ..services.planning import (
    create_plan,
    create_strategy,
    month_starts,
    set_plan_budget,
)


def _strategies(
    team_dm: Team, team_ops: Team, manager: Any, today: datetime.date
) -> list[Strategy]:
    year, _index = fiscal_period_of("fy", today)
    fy_start, fy_end = fiscal_period("fy", year)
    _y, half = fiscal_period_of("half", today)
    half_start, half_end = fiscal_period("half", year, half)
    specs = [
        dict(
            title=f"FY{year} デジタル獲得効率の改善",
            description="検索・SNS 広告の獲得単価を下げつつ CV 数を伸ばし、ROAS を改善する。",
            team=team_dm,
            owner=manager,
            status=StrategyStatus.ACTIVE,
            period_kind="fy",
            period_start=fy_start,
            period_end=fy_end,
            market="国内 EC 市場は前年比 +8%。検索広告の平均 CPC は上昇傾向（+12%）。",
            competitors=(
                "競合 A 社は指名検索への出稿を強化。B 社は SNS 動画広告に予算を移している。"
            ),
            strengths="指名検索での高い CVR、会員基盤（メールマガジン 12 万人）。",
            weaknesses=(
                "計測タグの不具合で CV が欠測することがある。SNS のクリエイティブ制作が遅い。"
            ),
            opportunities="年末セールでの需要増。Yahoo!広告の新しい自動入札。",
            threats="Cookie 規制による計測精度の低下。CPC のさらなる上昇。",
        ),
        dict(
            title=f"FY{year} H{half} マーケティング基盤の安定稼働",
            description="計測・MA・CRM の障害を早期に検知し、KPI の欠測をなくす。",
            team=team_ops,
            owner=manager,
            status=StrategyStatus.ACTIVE,
            period_kind="half",
            period_start=half_start,
            period_end=half_end,
            market="MA・CRM 連携の複雑化で運用負荷が増加。",
            competitors="同業他社は SRE 的な監視体制を整備しつつある。",
            strengths="ツール台帳と手順書が整備されている。",
            weaknesses="監視が一部手動。主担当不在時に対応できる人が少ない（属人化）。",
            opportunities="データ鮮度監視の自動化で欠測を早期に発見できる。",
            threats="ベンダー側の仕様変更によるタグ停止。",
        ),
    ]
    strategies = []
    for spec in specs:
        existing = Strategy.objects.filter(title=spec["title"], team=spec["team"]).first()
        strategies.append(existing or create_strategy(**spec))
    return strategies


def _plans(strategies: list[Strategy], users: dict[str, Any], today: datetime.date) -> list[Plan]:
    from analytics.models import Campaign
    from analytics.services.campaigns import update_campaign

    growth, platform = strategies
    start = today.replace(day=1) - datetime.timedelta(days=95)
    start = start.replace(day=1)
    end = (today.replace(day=1) + datetime.timedelta(days=100)).replace(day=1) - datetime.timedelta(
        days=1
    )
    specs = [
        (
            growth,
            "検索広告の CPA 改善",
            "指名・一般キーワードの入札と除外語を見直し CPA を 5% 下げる。",
            ["search-brand", "search-generic", "yahoo-search"],
            3_600_000,
            users["marketer"],
        ),
        (
            growth,
            "SNS リターゲティング拡大",
            "リターゲティングの配信面を広げ CV を 10% 増やす。",
            ["meta-awareness", "meta-retargeting"],
            1_200_000,
            users["marketer"],
        ),
        (
            platform,
            "計測タグ監視の自動化",
            "CV タグの欠測を 1 時間以内に検知する監視を整える。",
            [],
            0,
            users["ops"],
        ),
    ]
    plans = []
    for strategy, title, objective, codes, monthly, owner in specs:
        plan = Plan.objects.filter(title=title, strategy=strategy).first()
        if plan is None:
            plan = create_plan(
                strategy=strategy,
                title=title,
                objective=objective,
                team=strategy.team,
                owner=owner,
                status=PlanStatus.IN_PROGRESS,
                start_date=max(start, strategy.period_start),
                end_date=min(end, strategy.period_end),
                currency="JPY",
            )
            if monthly:
                months = month_starts(plan.start_date, plan.end_date)
                set_plan_budget(plan=plan, amounts=[(m, Decimal(monthly)) for m in months])
        for campaign in Campaign.objects.filter(code__in=codes, plan__isnull=True):
            update_campaign(campaign=campaign, plan=plan)
        plans.append(plan)
    return plans


def _actions(plans: list[Plan], users: dict[str, Any], today: datetime.date) -> None:
    search, social, tags = plans
    specs = [
        (
            search,
            "除外キーワードの棚卸し",
            users["marketer"],
            today - datetime.timedelta(days=5),
            ActionStatus.OPEN,
        ),
        (
            search,
            "指名検索の入札上限を見直す",
            users["marketer"],
            today + datetime.timedelta(days=7),
            ActionStatus.IN_PROGRESS,
        ),
        (
            social,
            "リターゲティング用クリエイティブを 3 本追加",
            users["marketer"],
            today + datetime.timedelta(days=14),
            ActionStatus.OPEN,
        ),
        (
            social,
            "除外オーディエンスの設定",
            users["marketer"],
            today - datetime.timedelta(days=20),
            ActionStatus.DONE,
        ),
        (
            tags,
            "CV タグのハートビート監視を追加",
            users["ops"],
            today + datetime.timedelta(days=10),
            ActionStatus.IN_PROGRESS,
        ),
    ]
    for plan, title, owner, due, status in specs:
        if Action.objects.filter(plan=plan, title=title).exists():
            continue
        action = create_action(
            title=title, owner=owner, due_date=due, plan=plan, by=users["manager"]
        )
        if status != ActionStatus.OPEN:
            update_action(action=action, status=status)
