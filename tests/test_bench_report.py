"""``bench.report.Report``: a full run says whether each target is met; a quick run (CI's smoke, at
sizes the targets are not set for) prints the target without a verdict."""

from __future__ import annotations

import json

from bench.report import Report


def test_a_full_run_judges_each_target(tmp_path):
    report = Report("full", tmp_path / "latest.json", {})
    report.add("load_long_1m", 1.5, "load_file 1.5 s vs raw COPY 1.0 s", target="<= 2.0")
    report.add("to_sql_1m", 9.5, "DataFrame.to_sql 9.5 s vs load_file 1.0 s", target=">= 10")

    load, to_sql = report.figures["load_long_1m"], report.figures["to_sql_1m"]
    assert (load["met"], to_sql["met"]) == (True, False)
    assert load["line"].endswith("; target <= 2.0x; target met)")
    assert to_sql["line"].endswith("; target >= 10x; target NOT met)")
    written = json.loads((tmp_path / "latest.json").read_text())["figures"]
    assert written["to_sql_1m"]["met"] is False


def test_a_quick_run_prints_targets_without_a_verdict(tmp_path):
    report = Report("quick", tmp_path / "latest.json", {})
    report.add("scale_100k_rss", 1.32, "peak RSS 309 MiB vs 234 MiB", target="<= 1.25")
    report.add("raw_copy_20k", 1.0, "baseline: 0.05 s")

    rss = report.figures["scale_100k_rss"]
    assert rss["met"] is None
    assert rss["target"] == "<= 1.25"
    assert rss["line"] == (
        "scale_100k_rss: 1.32x (peak RSS 309 MiB vs 234 MiB; target <= 1.25x; "
        "not judged at quick sizes)"
    )
    assert report.figures["raw_copy_20k"]["line"] == "raw_copy_20k: 1.00x (baseline: 0.05 s)"
