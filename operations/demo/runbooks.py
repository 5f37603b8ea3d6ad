"""Demo data for operations: runbooks (run by seed_demo after the inventory; idempotent).

Three runbooks of the marketing-ops team, in Japanese as the team writes them, linked to the
inventory's tools by name (a tool the inventory did not create is simply not linked). The GTM
runbook has two versions and an approval by a manager; the Marketo–Salesforce one was run once,
by the ops user, so the coverage page shows it as known to one person only; the ad-account one
is overdue for review.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from mops.models import Team

from ..models import ExecutionOutcome, Runbook, RunbookExecution, StepRun, Tool
from ..services.runbooks import (
    check_off_step,
    create_runbook,
    finish_execution,
    start_execution,
    update_runbook,
)

TEAM = "marketing-ops"

GTM_BODY = """\
GA4 のコンバージョンやセッションが急に落ちたとき、まず **タグ** を疑う。

- 直前に GTM のコンテナが公開されていないか（バージョン履歴）
- サイト側のリリースで `dataLayer` の変数名が変わっていないか
- 同意管理ツール（CMP）の設定変更がないか

参考: [GTM ヘルプ](https://support.google.com/tagmanager/)
"""

GTM_STEPS: list[dict[str, Any]] = [
    {
        "title": "GTM のバージョン履歴を確認する",
        "body": "直近 48 時間に公開されたバージョンと公開者を控える。",
    },
    {
        "title": "GA4 リアルタイムで欠損範囲を確認する",
        "body": "イベント別に、いつから・どのページで計測が止まったかを特定する。",
    },
    {
        "title": "ロールバックするか判断する",
        "kind": "decision",
        "body": (
            "原因のバージョンが特定できればロールバック、できなければサイト側へエスカレーション。"
        ),
    },
    {
        "title": "公開前にマネージャーの承認を得る",
        "kind": "approval",
        "approver_role": "manager",
        "body": "広告の計測にも影響するため、本番コンテナの公開はマネージャー承認が必要。",
    },
    {
        "title": "前バージョンを公開し、計測再開を確認する",
        "body": "GA4 リアルタイムと Google 広告のコンバージョンタグの両方で確認する。",
    },
]

SYNC_BODY = """\
Marketo と Salesforce の同期が遅れると、リードの引き渡しが止まり営業の初動が遅れる。
同期キューの滞留件数と API 使用量を確認し、原因ごとに対処する。

| 症状 | よくある原因 |
|---|---|
| キューが増え続ける | Salesforce API 上限、項目の入力規則エラー |
| 特定のリードだけ同期しない | 必須項目の欠落、重複ルール |
"""

SYNC_STEPS: list[dict[str, Any]] = [
    {"title": "Marketo の同期キュー件数を確認する", "body": "管理 > Salesforce > 同期状況。"},
    {
        "title": "Salesforce の API 使用量を確認する",
        "body": "設定 > 組織情報 > API 要求数（過去 24 時間）。上限の 80% を超えていれば要注意。",
    },
    {
        "title": "同期エラーのリードを抽出して修正する",
        "body": "エラー理由ごとに件数を数え、入力規則エラーは項目を補完して再同期する。",
    },
    {"title": "営業チームへ状況を共有する", "body": "遅延の範囲と復旧見込みを Slack で共有。"},
]

ADS_BODY = """\
広告アカウントがポリシー違反などで停止されたときの初動。**配信停止中も予算は消化されない**が、
キャンペーンの学習がリセットされるため、復旧は早いほどよい。
"""

ADS_STEPS: list[dict[str, Any]] = [
    {
        "title": "停止理由の通知を確認する",
        "body": "Google 広告・Yahoo!広告の管理画面と登録メールを確認し、対象と理由を控える。",
    },
    {
        "title": "影響を受けるキャンペーンと KPI を洗い出す",
        "body": "ポータルのインシデントに影響キャンペーンを紐付ける。",
    },
    {
        "title": "異議申し立てを行うか判断する",
        "kind": "decision",
        "body": "誤判定なら異議申し立て、違反が事実なら修正してから再審査を依頼。",
    },
    {
        "title": "再審査の依頼をマネージャーが承認する",
        "kind": "approval",
        "approver_role": "manager",
    },
    {"title": "再審査を依頼し、結果をインシデントに記録する"},
]


def _tools(team: Team, names: list[str]) -> list[Tool]:
    return list(Tool.objects.filter(team=team, name__in=names))


def seed(*, stdout: Any) -> None:
    """Create the demo runbooks unless they exist (matched by title in the team)."""
    team = Team.objects.filter(slug=TEAM).first()
    User = get_user_model()
    ops = User.objects.filter(username="ops").first()
    if team is None or ops is None:
        return
    with transaction.atomic():
        _gtm(team, ops)
        _sync(team, ops)
        _ads(team, ops)


def _exists(team: Team, title: str) -> bool:
    return Runbook.objects.filter(team=team, title=title).exists()


def _gtm(team: Team, ops: Any) -> None:
    title = "GTMタグ障害時の切り分け"
    if _exists(team, title):
        return
    runbook = create_runbook(
        team=team,
        title=title,
        by=ops,
        summary="GA4 の計測値が急落したときに、タグ（GTM）起因かを切り分けて戻す手順。",
        body_markdown=GTM_BODY,
        steps=GTM_STEPS[:2] + GTM_STEPS[4:],
        tools=_tools(team, ["GTM", "GA4"]),
        check_kinds=["http", "freshness"],
        owner=ops,
        review_interval_days=90,
        change_note="初版",
    )
    update_runbook(
        runbook=runbook,
        by=ops,
        steps=GTM_STEPS,
        change_note="ロールバック判断とマネージャー承認のステップを追加",
    )


def _sync(team: Team, ops: Any) -> None:
    title = "Marketo-Salesforce 同期遅延の対応"
    if _exists(team, title):
        return
    runbook = create_runbook(
        team=team,
        title=title,
        by=ops,
        summary="リード同期の遅延・停止を検知したときの確認と復旧。",
        body_markdown=SYNC_BODY,
        steps=SYNC_STEPS,
        tools=_tools(team, ["Marketo", "Salesforce"]),
        check_kinds=["heartbeat", "freshness"],
        owner=ops,
        review_interval_days=180,
        change_note="初版",
    )
    # One past run, by the ops user alone: 12 days ago, 38 minutes.
    execution = start_execution(runbook=runbook, by=ops, notes="月末の大量インポート後に遅延。")
    notes = [
        "キュー 4,812 件。通常の 10 倍。",
        "API 使用量 91%。インポートのバッチが API を使い切っていた。",
        "入力規則エラー 37 件（都道府県の表記ゆれ）を修正して再同期。",
        "#sales-ops に共有済み。",
    ]
    for step, note in zip(execution.version.steps.order_by("order"), notes, strict=True):
        check_off_step(execution=execution, step=step, by=ops, note=note)
    finish_execution(
        execution=execution,
        by=ops,
        outcome=ExecutionOutcome.SUCCESS,
        notes="夜間バッチの API 割り当てを見直すこと。",
    )
    started = timezone.now() - datetime.timedelta(days=12, hours=3)
    RunbookExecution.objects.filter(pk=execution.pk).update(
        started_at=started, finished_at=started + datetime.timedelta(minutes=38)
    )
    for i, run in enumerate(execution.step_runs.order_by("step__order"), start=1):
        StepRun.objects.filter(pk=run.pk).update(
            done_at=started + datetime.timedelta(minutes=8 * i)
        )


def _ads(team: Team, ops: Any) -> None:
    title = "広告アカウント停止時の対応"
    if _exists(team, title):
        return
    runbook = create_runbook(
        team=team,
        title=title,
        by=ops,
        summary="Google 広告・Yahoo!広告のアカウント停止（ポリシー違反等）への初動と再審査。",
        body_markdown=ADS_BODY,
        steps=ADS_STEPS,
        tools=_tools(team, ["Google Ads", "Yahoo!広告"]),
        check_kinds=["threshold"],
        owner=ops,
        review_interval_days=90,
        change_note="初版",
    )
    # Last reviewed four months ago: overdue, so the coverage page has a stale runbook to show.
    now = timezone.now()
    Runbook.objects.filter(pk=runbook.pk).update(
        created_at=now - datetime.timedelta(days=200),
        last_reviewed_at=now - datetime.timedelta(days=120),
    )
