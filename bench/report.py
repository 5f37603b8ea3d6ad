"""One run's figures: printed as they come and written to the JSON file."""

from __future__ import annotations

import json
import os
import platform
import time
from pathlib import Path
from typing import Any


class Report:
    """The figures of one run: printed as they come, and written (so far) to the JSON file."""

    def __init__(self, mode: str, path: Path, sizes: dict[str, int]) -> None:
        self.path, self.sizes = path, sizes
        self.figures: dict[str, dict[str, Any]] = {}
        self.keep: dict[str, dict[str, Any]] = {}  # earlier figures kept by --merge
        self.mode = mode
        self.started = time.time()
        self.failed = False

    def add(
        self, name: str, ratio: float | None, text: str, target: str = "", **values: Any
    ) -> None:
        met, verdict = None, ""
        if ratio is not None and target:
            if self.mode == "full":
                op, bound = target.split()
                met = ratio <= float(bound) if op == "<=" else ratio >= float(bound)
                verdict = "; target met" if met else "; target NOT met"
            else:  # the targets are set for the full sizes; a smoke run's say nothing of them
                verdict = "; not judged at quick sizes"
        shown = "n/a" if ratio is None else f"{ratio:.3f}x" if ratio < 0.1 else f"{ratio:.2f}x"
        line = f"{name}: {shown} ({text}{f'; target {target}x' if target else ''}{verdict})"
        self._record(name, line, ratio=ratio, target=target or None, met=met, **values)

    def skip(self, name: str, why: str) -> None:
        self._record(name, f"{name}: skipped ({why})", ratio=None, skipped=why)

    def fail(self, name: str, why: str) -> None:
        self.failed = True
        self._record(name, f"{name}: failed ({why})", ratio=None, error=why)

    def _record(self, name: str, line: str, **entry: Any) -> None:
        print(line, flush=True)
        self.figures[name] = {**entry, "line": line}
        self.write(complete=False)

    def write(self, *, complete: bool) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        payload = {
            "mode": self.mode,
            "complete": complete,
            "sizes": self.sizes,
            "machine": machine(),
            "seconds": round(time.time() - self.started, 1),
            "figures": {**self.keep, **self.figures},
        }
        text = json.dumps(payload, indent=2, ensure_ascii=False, default=str) + "\n"
        self.path.write_text(text)


def machine() -> dict[str, Any]:
    info: dict[str, Any] = {
        "python": platform.python_version(),
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
    }
    try:
        with open("/proc/cpuinfo") as fh:
            info["cpu"] = next(
                (ln.split(":", 1)[1].strip() for ln in fh if ln.startswith("model name")), ""
            )
        with open("/proc/meminfo") as fh:
            info["memory_gib"] = round(int(fh.readline().split()[1]) / 1024 / 1024, 1)
    except OSError:
        pass
    try:
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute("SHOW server_version")
            info["postgresql"] = cursor.fetchone()[0]
    except Exception as exc:  # informational only
        info["postgresql"] = f"unknown ({type(exc).__name__})"
    return info


def label(size: int) -> str:
    if size >= 1_000_000 and size % 1_000_000 == 0:
        return f"{size // 1_000_000}m"
    if size >= 1000 and size % 1000 == 0:
        return f"{size // 1000}k"
    return str(size)


def fmt(n: float) -> str:
    return f"{n:,.0f}"
