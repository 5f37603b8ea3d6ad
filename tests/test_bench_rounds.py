"""``bench.env.median_times``: a figure and its baseline are timed in the same rounds."""

from __future__ import annotations

from bench.env import Step, median_time, median_times


def test_steps_run_in_turn_round_by_round_with_before_untimed():
    calls: list[str] = []
    steps = [
        Step("baseline", lambda: calls.append("baseline") or "copied"),
        Step("load", lambda: calls.append("load") or len(calls), before=lambda: calls.append("-")),
    ]
    seconds, returned = median_times(steps, reps=3)
    assert calls == ["baseline", "-", "load"] * 3
    assert set(seconds) == {"baseline", "load"}
    assert all(s >= 0 for s in seconds.values())
    assert returned == {"baseline": "copied", "load": 9}  # what the last round returned


def test_median_time_is_one_step():
    ran: list[int] = []
    assert median_time(lambda: ran.append(1), reps=2, before=lambda: ran.append(0)) >= 0
    assert ran == [0, 1, 0, 1]
