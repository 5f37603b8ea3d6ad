"""Column headers: what each known export calls its columns, and how a header is classified.

Headers are compared after Unicode NFKC normalisation (full-width brackets and spaces become
ASCII), case folding and whitespace collapsing, so ``クリック（誘導先）`` and ``クリック(誘導先)``
are the same header.

Choices for ambiguous columns (the lower priority number wins when a file has both):

* clicks: ``Clicks``/``クリック数``/``Link clicks``/``リンクのクリック``/TikTok's
  ``クリック（誘導先）`` (1) before Meta's ``Clicks (all)``/``クリック(すべて)`` (2): link clicks
  are the clicks that reach the site, which is what Google Ads and Yahoo!広告 count as clicks.
* conversions: ``Conversions``/``コンバージョン``/``Key events`` (1) before Meta's ``Purchases``/
  ``購入`` (2). Meta's ``Results``/``結果`` is ignored: what a "result" is depends on each
  campaign's objective (``Result indicator``), so it is not a conversion count.
* revenue: ``Conv. value``/``コンバージョン値``/``Total revenue`` (1) before Meta's
  ``Purchases conversion value`` (2).
* cost: ``Cost``/``費用``/``コスト``/``Amount spent (USD)``/``消化金額 (JPY)``. A three-letter
  upper-case code in brackets gives the file's currency. ``Cost (Converted currency)`` is ignored.
* Rates and averages (CTR, CPC, CPM, conv. rate, ROAS, frequency, impression share …) are
  derived figures and are ignored, as is every other column we do not know.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

METRIC_KEYS = ("impressions", "clicks", "cost", "conversions", "revenue", "sessions", "leads")

# Roles a column can have. "metric:<key>" for wide files; "metric" + "value" for long files.
BASE_ROLES = ("date", "campaign", "source", "currency", "dimension", "metric", "value", "ignored")

# Internal roles for Meta's "Reporting starts"/"Reporting ends" pair (one day each = a date).
RANGE_START = "range_start"
RANGE_END = "range_end"


def norm(text: str) -> str:
    """Header/label comparison form: NFKC, case-folded, single spaces, trimmed."""
    return " ".join(unicodedata.normalize("NFKC", str(text)).casefold().split())


def _aliases(role: str, priority: int, *names: str) -> dict[str, tuple[str, int]]:
    return {norm(n): (role, priority) for n in names}


ALIASES: dict[str, tuple[str, int]] = {
    **_aliases(
        "date", 1, "day", "date", "日", "日付", "日別", "day index", "日次", "date (yyyymmdd)"
    ),
    **_aliases(RANGE_START, 1, "reporting starts", "reporting start", "レポート開始日"),
    **_aliases(RANGE_END, 1, "reporting ends", "reporting end", "レポート終了日"),
    **_aliases(
        "campaign", 1, "campaign", "campaign name", "キャンペーン", "キャンペーン名", "ad campaign"
    ),
    **_aliases(
        "campaign", 2, "session campaign", "セッションのキャンペーン", "session campaign name"
    ),
    **_aliases("currency", 1, "currency", "currency code", "通貨", "通貨コード"),
    **_aliases("source", 1, "source", "data source", "データソース"),
    **_aliases("metric", 1, "metric", "metric key", "指標", "メトリクス", "メトリック"),
    **_aliases("value", 1, "value", "値", "数値"),
    **_aliases(
        "dimension",
        1,
        "ad group",
        "ad group name",
        "広告グループ",
        "広告グループ名",
        "ad set",
        "ad set name",
        "広告セット",
        "広告セット名",
        "ad",
        "ad name",
        "広告",
        "広告名",
        "device",
        "デバイス",
        "region",
        "地域",
        "country",
        "国",
        "age",
        "年齢",
        "gender",
        "性別",
        "network",
        "ネットワーク",
        "network (with search partners)",
        "keyword",
        "キーワード",
        "search keyword",
        "account",
        "account name",
        "アカウント",
        "アカウント名",
        "placement",
        "配置",
        "platform",
        "プラットフォーム",
        "session source",
        "session medium",
        "session source / medium",
        "session default channel group",
        "セッションのソース / メディア",
        "セッションのデフォルト チャネル グループ",
        "page",
        "page path",
        "page path + query string",
        "page path and screen class",
        "landing page",
        "ランディング ページ",
    ),
    **_aliases(
        "metric:impressions",
        1,
        "impressions",
        "impr.",
        "impr",
        "imps",
        "表示回数",
        "インプレッション",
        "インプレッション数",
    ),
    **_aliases(
        "metric:clicks",
        1,
        "clicks",
        "クリック",
        "クリック数",
        "link clicks",
        "リンクのクリック",
        "クリック(誘導先)",
        "clicks (destination)",
    ),
    **_aliases("metric:clicks", 2, "clicks (all)", "クリック(すべて)", "クリック(全て)"),
    **_aliases(
        "metric:cost",
        1,
        "cost",
        "費用",
        "コスト",
        "amount spent",
        "消化金額",
        "spend",
        "ご利用金額",
    ),
    **_aliases(
        "metric:conversions",
        1,
        "conversions",
        "conv.",
        "コンバージョン",
        "コンバージョン数",
        "cv",
        "cv数",
        "key events",
        "キーイベント",
    ),
    **_aliases("metric:conversions", 2, "purchases", "購入", "website purchases"),
    **_aliases(
        "metric:revenue",
        1,
        "conv. value",
        "conversion value",
        "コンバージョン値",
        "コンバージョンの価値",
        "total revenue",
        "revenue",
        "売上",
        "売上高",
        "収益",
    ),
    **_aliases(
        "metric:revenue",
        2,
        "purchases conversion value",
        "購入のコンバージョン値",
        "purchase revenue",
        "website purchases conversion value",
    ),
    **_aliases("metric:sessions", 1, "sessions", "セッション", "セッション数"),
    **_aliases("metric:leads", 1, "leads", "リード", "リード数"),
    **_aliases("metric:leads", 2, "leads (form)", "on-facebook leads"),
}

# Metric names accepted in the metric column of a long file: the keys and the header aliases.
METRIC_NAMES: dict[str, str] = {k: k for k in METRIC_KEYS} | {
    alias: role.split(":", 1)[1]
    for alias, (role, _p) in ALIASES.items()
    if role.startswith("metric:")
}

_CURRENCY_SUFFIX = re.compile(r"^(.*?)\s*\(\s*([A-Z]{3}|円)\s*\)$")

PLATFORM_SIGNS: dict[str, tuple[str, ...]] = {
    "google_ads": (
        "impr.",
        "表示回数",
        "currency code",
        "通貨コード",
        "conv. value",
        "campaign status",
        "customer id",
        "cost / conv.",
        "search impr. share",
        "キャンペーンの状態",
        "最上部インプレッションの割合",
    ),
    "yahoo_ads": (
        "インプレッション数",
        "ページ上部のインプレッションシェア",
        "平均cpc",
        "広告グループ名",
        "キャンペーンid",
    ),
    "meta": (
        "amount spent",
        "消化金額",
        "reporting starts",
        "レポート開始日",
        "ad set name",
        "広告セット名",
        "reach",
        "リーチ",
        "frequency",
        "link clicks",
        "clicks (all)",
        "クリック(すべて)",
        "attribution setting",
    ),
    "tiktok": (
        "クリック(誘導先)",
        "ctr(誘導先)",
        "cpc(誘導先)",
        "clicks (destination)",
        "一級ステータス",
        "primary status",
        "結果率(%)",
        "ディープファネル結果",
    ),
    "ga4": (
        "sessions",
        "session campaign",
        "event count",
        "total users",
        "new users",
        "engaged sessions",
        "key events",
        "セッション",
        "イベント数",
        "総ユーザー数",
    ),
}


@dataclass
class HeaderInfo:
    role: str  # a role, RANGE_START/RANGE_END, or "ignored"
    priority: int = 1
    currency: str | None = None


def classify(header: str) -> HeaderInfo:
    """What a header means by itself (before conflicts between columns are settled)."""
    raw = unicodedata.normalize("NFKC", str(header)).strip()
    key = norm(raw)
    if key in ALIASES:
        role, prio = ALIASES[key]
        return HeaderInfo(role, prio)
    m = _CURRENCY_SUFFIX.match(raw)
    if m:
        base = norm(m.group(1))
        cur = "JPY" if m.group(2) == "円" else m.group(2)
        if base in ALIASES and ALIASES[base][0] == "metric:cost":
            return HeaderInfo("metric:cost", ALIASES[base][1], cur)
        if base in ALIASES and ALIASES[base][0].startswith("metric:"):
            role, prio = ALIASES[base]
            return HeaderInfo(role, prio, cur)
    return HeaderInfo("ignored")


def header_score(cells: list[str], extra_names: set[str] | None = None) -> int:
    """How much a row looks like a header: the number of cells that are known column names."""
    extra = extra_names or set()
    score = 0
    for c in cells:
        if not c:
            continue
        if classify(c).role != "ignored" or norm(c) in extra:
            score += 1
    return score


def detect_platform(headers: list[str], preamble: list[str]) -> str | None:
    keys = {norm(h) for h in headers}
    for h in headers:
        m = _CURRENCY_SUFFIX.match(unicodedata.normalize("NFKC", h).strip())
        if m:
            keys.add(norm(m.group(1)))
    scores = {p: len(keys.intersection(signs)) for p, signs in PLATFORM_SIGNS.items()}
    if any(line.startswith("#") and "property" in line.casefold() for line in preamble):
        scores["ga4"] += 2
    best = max(scores, key=lambda p: scores[p])
    return best if scores[best] > 0 else None
