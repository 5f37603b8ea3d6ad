"""Governance demo: closed weekly reviews with decisions, and feedback both ways."""

from __future__ import annotations

import datetime
from typing import Any

from mops.models import Team

from ..models import (
    ActionStatus,
    FeedbackDirection,
    FeedbackItem,
    ReviewMeeting,
    ReviewState,
)
from ..periods import week_of
from ..services.actions import update_action
from ..services.feedback import create_feedback
from ..services.reviews import (
    add_next_action,
    create_review,
    record_item_notes,
    set_cadence,
    transition_review,
)

DECISIONS = [
    (
        "conversions",
        "CV 減少は計測タグ停止による欠測。実需要の落ち込みではない。",
        "タグマネージャーの公開ミス",
        "タグ監視を運用チームに依頼し、欠測期間を注記する。",
        "CV タグの欠測期間をレポートに注記する",
    ),
    (
        "cpa",
        "CPA は目標内。年末に向けて CPC 上昇に注意。",
        "",
        "一般キーワードの入札上限を 5% 下げる。",
        "一般キーワードの入札上限を調整",
    ),
    (
        "roas",
        "ROAS は横ばい。SNS の獲得効率が低い。",
        "クリエイティブの疲弊",
        "SNS クリエイティブを刷新する。",
        "SNS クリエイティブ刷新案を作る",
    ),
]


def _reviews(team: Team, users: dict[str, Any], today: datetime.date) -> int:
    manager = users["manager"]
    set_cadence(team=team, cadence="weekly")
    made = 0
    this_monday, _end = week_of(today)
    for weeks_back, (key, notes, cause, decision, next_action) in zip(
        (3, 2, 1), DECISIONS, strict=True
    ):
        start, end = week_of(this_monday - datetime.timedelta(weeks=weeks_back))
        if ReviewMeeting.objects.filter(team=team, period_start=start, period_end=end).exists():
            continue
        review = create_review(
            team=team,
            by=manager,
            meeting_date=end + datetime.timedelta(days=1),
            period_start=start,
            period_end=end,
            participants=[manager, users["marketer"], users["ops"]],
        )
        transition_review(review=review, to=ReviewState.IN_MEETING, by=manager)
        item = review.items.filter(kind="kpi", ref=key).first()
        if item is not None:
            record_item_notes(item=item, notes=notes, root_cause=cause, decision=decision)
        action = add_next_action(
            review=review,
            title=next_action,
            owner=users["marketer"],
            due_date=end + datetime.timedelta(days=7),
            by=manager,
            item=item,
        )
        if weeks_back > 1:
            update_action(action=action, status=ActionStatus.DONE)
        transition_review(review=review, to=ReviewState.CLOSED, by=manager)
        made += 1
    return made


def _feedback(team_dm: Team, team_ops: Team, users: dict[str, Any]) -> None:
    if FeedbackItem.objects.exists():
        return
    review = (
        ReviewMeeting.objects.filter(team=team_dm, state=ReviewState.CLOSED)
        .order_by("period_start")
        .first()
    )
    create_feedback(
        direction=FeedbackDirection.TO_OPERATIONS,
        title="CV タグの死活監視を追加してください",
        body=(
            "週次定例で CV の欠測がタグ停止によるものと判明。"
            "1 時間以内に検知できる監視を希望します。"
        ),
        from_team=team_dm,
        to_team=team_ops,
        by=users["manager"],
        owner=users["ops"],
        review=review,
    )
    create_feedback(
        direction=FeedbackDirection.TO_MANAGEMENT,
        title="MA と CRM の同期が夜間に遅延しています",
        body="同期ジョブが 2 時間以上遅れる日があり、MQL の集計が翌日にずれます。",
        from_team=team_ops,
        to_team=team_dm,
        by=users["ops"],
        owner=users["manager"],
    )
