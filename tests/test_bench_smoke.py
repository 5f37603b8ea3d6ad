"""The benchmark suite runs end to end at a tiny size and writes every key (never a time)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.conf import settings

ROOT = Path(__file__).resolve().parent.parent

pytestmark = pytest.mark.postgres


def test_bench_refuses_to_start_without_postgresql(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    done = subprocess.run(
        [sys.executable, "-m", "bench.run", "--quick", "--output", str(tmp_path / "x.json")],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode != 0
    assert "DATABASE_URL" in done.stdout + done.stderr
    assert not (tmp_path / "x.json").exists()


def test_quick_load_benchmark_writes_its_figures(tmp_path):
    db = settings.DATABASES["default"]
    url = f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    if db.get("PASSWORD"):
        url = url.replace("@", f":{db['PASSWORD']}@", 1)
    name = f"{urlsplit(url).path.strip('/')}_smoke_bench"
    out = tmp_path / "latest.json"
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "bench.run",
            "--quick",
            "--only",
            "load,wide,to_sql",
            "--size",
            "2000",
            "--database",
            name,
            "--output",
            str(out),
        ],
        cwd=ROOT,
        env={**os.environ, "DATABASE_URL": url},
        capture_output=True,
        text=True,
        timeout=300,
    )
    _drop(url, name)
    assert done.returncode == 0, done.stdout + done.stderr
    result = json.loads(out.read_text())
    figures = result["figures"]
    for key in ("raw_copy_2k", "copy_into_fact_table_2k", "load_long_2k", "reload_long_2k"):
        assert key in figures, sorted(figures)
        assert figures[key]["ratio"] is not None
        assert f"{key}: " in done.stdout
    assert figures["reload_long_2k"]["counts"]["unchanged"] == 2000
    assert "to_sql_2k" in figures
    # the wide export is timed in the long load's rounds and compared with that load
    wide = figures["load_wide_ja_2k"]
    assert wide["long_seconds"] == figures["load_long_2k"]["seconds"]
    assert wide["ratio"] == pytest.approx(wide["seconds"] / wide["long_seconds"])
    assert result["mode"] == "quick" and result["sizes"]["main"] == 2000
    assert {"python", "cpus"} <= set(result["machine"])


def _drop(url: str, name: str) -> None:
    import psycopg2

    conn = psycopg2.connect(url)
    conn.autocommit = True
    with conn.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    conn.close()
