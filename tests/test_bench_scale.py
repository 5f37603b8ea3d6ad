"""``bench.groups.run_scale``: the two loads take turns, each in its own process, and the figures
are the medians of their runs (the children are faked here: what they print is given)."""

from __future__ import annotations

import json
import subprocess
from types import SimpleNamespace

from bench.groups import run_scale
from bench.report import Report


def test_scale_figures_are_medians_of_loads_taken_in_turn(monkeypatch, tmp_path):
    # per size: (seconds, peak RSS) of each round; the outlier of each is not the median
    printed = {
        "long_2000.csv": iter([(0.9, 100.0), (0.2, 90.0), (1.0, 110.0)]),
        "long_10000.csv": iter([(4.0, 120.0), (5.0, 200.0), (30.0, 121.0)]),
    }
    order = []
    run = subprocess.run  # the report's own calls (the machine's description) stay real

    def child(args, **kwargs):
        if args[1:4] != ["-m", "bench.child", "scale"]:
            return run(args, **kwargs)
        name = args[4].rsplit("/", 1)[-1]
        order.append(name)
        seconds, rss = next(printed[name])
        facts = int(name.removeprefix("long_").removesuffix(".csv"))
        line = json.dumps({"seconds": seconds, "peak_rss_mib": rss, "facts": facts})
        return SimpleNamespace(stdout=f"noise\n{line}\n")

    monkeypatch.setattr(subprocess, "run", child)
    report = Report("quick", tmp_path / "latest.json", {})
    run_scale(report, {"scale_small": 2000, "scale_large": 10000}, reps=3)

    assert order == ["long_2000.csv", "long_10000.csv"] * 3
    time, rss = report.figures["scale_10k_time"], report.figures["scale_10k_rss"]
    assert (time["seconds"], time["small_seconds"]) == (5.0, 0.9)
    assert time["ratio"] == 5.0 / 0.9
    assert (time["facts"], time["small_facts"]) == (10000, 2000)
    assert "median of 3" in time["line"]
    assert (rss["peak_rss_mib"], rss["small_peak_rss_mib"]) == (121.0, 100.0)
    assert rss["ratio"] == 121.0 / 100.0
