"""Deterministic benchmark data: campaigns, long and wide (Shift_JIS) exports, API points.

The same size always gives the same bytes (a seeded generator), so runs are comparable. A size
of N facts is campaigns × days × 5 metrics; 1,000,000 = 200 campaigns × 1,000 days × 5 metrics.
"""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass

import numpy as np
import pandas as pd

METRICS = ("impressions", "clicks", "cost", "conversions", "revenue")
JA_HEADERS = ("表示回数", "クリック数", "費用", "コンバージョン", "コンバージョン値")
FIRST_DAY = dt.date(2023, 1, 1)


@dataclass(frozen=True)
class Shape:
    campaigns: int
    days: int

    @property
    def facts(self) -> int:
        return self.campaigns * self.days * len(METRICS)


def shape_for(size: int) -> Shape:
    """Campaigns × days × 5 metrics ≈ size (exact for multiples of 1,000)."""
    days = 1000 if size >= 1_000_000 else 200 if size >= 10_000 else 20
    return Shape(campaigns=max(1, round(size / (days * len(METRICS)))), days=days)


def campaign_code(i: int) -> str:
    return f"bench-c{i:05d}"


def campaign_name(i: int) -> str:
    return f"ベンチ キャンペーン {i:05d}"


def frame(shape: Shape, *, seed: int = 42, day_offset: int = 0) -> pd.DataFrame:
    """The facts as columns: campaign (index), day (index), metric (index), value."""
    rng = np.random.default_rng(seed)
    c = np.repeat(np.arange(shape.campaigns), shape.days * len(METRICS))
    d = np.tile(np.repeat(np.arange(shape.days), len(METRICS)), shape.campaigns) + day_offset
    m = np.tile(np.arange(len(METRICS)), shape.campaigns * shape.days)
    base = rng.integers(100, 100_000, size=len(c)).astype("float64")
    # clicks < impressions, cost in yen, conversions small, revenue with decimals
    scale = np.array([1.0, 0.05, 3.0, 0.002, 7.5])[m]
    value = np.floor(base * scale)
    value[m == 4] = np.round(base[m == 4] * 7.5 + 0.25, 2)
    return pd.DataFrame({"campaign": c, "day": d, "metric": m, "value": value})


def _dates(days: np.ndarray, fmt: str) -> np.ndarray:
    uniq = np.unique(days)
    text = {int(x): (FIRST_DAY + dt.timedelta(days=int(x))).strftime(fmt) for x in uniq}
    lookup = np.array([text[int(x)] for x in uniq], dtype=object)
    return lookup[np.searchsorted(uniq, days)]


def long_csv(facts: pd.DataFrame) -> bytes:
    """UTF-8 long layout: date, campaign (code), metric (key), value."""
    codes = np.array([campaign_code(i) for i in range(int(facts["campaign"].max()) + 1)])
    out = pd.DataFrame(
        {
            "date": _dates(facts["day"].to_numpy(), "%Y-%m-%d"),
            "campaign": codes[facts["campaign"].to_numpy()],
            "metric": np.array(METRICS, dtype=object)[facts["metric"].to_numpy()],
            "value": _number_text(facts["value"].to_numpy()),
        }
    )
    buffer = io.StringIO()
    out.to_csv(buffer, index=False)
    return buffer.getvalue().encode()


def _number_text(values: np.ndarray) -> np.ndarray:
    whole = values == np.floor(values)
    text = np.where(whole, values.astype("int64").astype(str), values.astype(str))
    return text.astype(object)


def wide_ja_csv(facts: pd.DataFrame) -> bytes:
    """A Japanese ad-platform style wide export in Shift_JIS (CP932): a title and period line,
    日 / キャンペーン (campaign names) / one column per metric, cost as "￥12,345", a 合計 row."""
    wide = facts.pivot_table(
        index=["day", "campaign"], columns="metric", values="value", aggfunc="first"
    ).reset_index()
    names = np.array([campaign_name(i) for i in range(int(facts["campaign"].max()) + 1)])
    out = pd.DataFrame(
        {
            "日": _dates(wide["day"].to_numpy(), "%Y/%m/%d"),
            "キャンペーン": names[wide["campaign"].to_numpy()],
        }
    )
    for k, header in enumerate(JA_HEADERS):
        values = wide[k].to_numpy()
        if METRICS[k] == "cost":
            out[header] = [f"￥{v:,.0f}" for v in values]
        else:
            out[header] = _number_text(values)
    buffer = io.StringIO()
    buffer.write("キャンペーン レポート\n")
    first, last = facts["day"].min(), facts["day"].max()
    period = [(FIRST_DAY + dt.timedelta(days=int(x))).strftime("%Y/%m/%d") for x in (first, last)]
    buffer.write(f"{period[0]} - {period[1]}\n")
    out.to_csv(buffer, index=False)
    buffer.write("合計,,,,,,\n")
    return buffer.getvalue().encode("cp932")


def copy_rows(facts: pd.DataFrame, campaign_ids: list[int], metric_ids: list[int], source: str):
    """The resolved rows as the CSV a raw COPY reads: campaign_id, date, metric_id, source,
    value (what the loader ends up writing)."""
    out = pd.DataFrame(
        {
            "campaign_id": np.asarray(campaign_ids)[facts["campaign"].to_numpy()],
            "date": _dates(facts["day"].to_numpy(), "%Y-%m-%d"),
            "metric_id": np.asarray(metric_ids)[facts["metric"].to_numpy()],
            "source": source,
            "value": facts["value"].to_numpy(),
        }
    )
    return out


def api_batches(facts: pd.DataFrame, per_request: int) -> list[dict]:
    """JSON bodies for ``POST /api/v1/metrics/``, ``per_request`` points each."""
    codes = [campaign_code(i) for i in range(int(facts["campaign"].max()) + 1)]
    dates = _dates(facts["day"].to_numpy(), "%Y-%m-%d")
    c, m, v = facts["campaign"].tolist(), facts["metric"].tolist(), facts["value"].tolist()
    bodies = []
    for start in range(0, len(facts), per_request):
        stop = min(start + per_request, len(facts))
        bodies.append(
            {
                "points": [
                    {
                        "campaign": codes[c[i]],
                        "date": dates[i],
                        "metric": METRICS[m[i]],
                        "value": v[i],
                    }
                    for i in range(start, stop)
                ]
            }
        )
    return bodies
