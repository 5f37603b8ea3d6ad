"""Load time against size, as an offline plotly HTML page (plotly.js inlined, no CDN)."""

from __future__ import annotations

from pathlib import Path
from typing import Any


def points(figures: dict[str, dict[str, Any]]) -> dict[str, list[tuple[int, float]]]:
    """(facts, seconds) per series, from the figures of one run."""
    series: dict[str, list[tuple[int, float]]] = {"load_file (long CSV)": [], "raw COPY": []}
    for name, fig in figures.items():
        if name.startswith("scale_") and name.endswith("_time"):
            series["load_file (long CSV)"] += [
                (fig["small_facts"], fig["small_seconds"]),
                (fig["facts"], fig["seconds"]),
            ]
        if name.startswith("raw_copy_"):
            series["raw COPY"].append((fig["rows"], fig["seconds"]))
        if name.startswith("to_sql_"):
            series.setdefault("DataFrame.to_sql", []).append(
                (figures[name.replace("to_sql_", "raw_copy_")]["rows"], fig["seconds"])
            )
    return {k: sorted(set(v)) for k, v in series.items() if v}


def write_chart(figures: dict[str, dict[str, Any]], folder: Path) -> Path:
    import plotly.graph_objects as go

    fig = go.Figure()
    for name, pts in points(figures).items():
        fig.add_trace(
            go.Scatter(
                x=[p[0] for p in pts], y=[p[1] for p in pts], mode="lines+markers", name=name
            )
        )
    fig.update_layout(
        title="MOps Portal: load time against size (PostgreSQL, same run)",
        xaxis_title="facts",
        yaxis_title="seconds",
        template="plotly_white",
    )
    path = folder / "load_vs_size.html"
    fig.write_html(path, include_plotlyjs=True, full_html=True)
    return path
