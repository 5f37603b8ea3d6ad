"""Benchmarks for MOps Portal: every figure a ratio to a baseline measured in the same run.

Run ``make bench`` (or ``make bench QUICK=1``); see BENCHMARKS.md.
"""
