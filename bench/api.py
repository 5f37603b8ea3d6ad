"""push_api: batches of points POSTed to gunicorn (2 workers) with a bearer token."""

from __future__ import annotations

import http.client
import json
import os
import socket
import statistics
import subprocess
import sys
import time
from typing import Any

from bench import env


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _token() -> str:
    from django.contrib.auth import get_user_model

    from mops.services import create_api_token

    user = get_user_model().objects.get(username="marketer")
    _t, raw = create_api_token(owner=user, name="bench", scopes=["metrics:write", "metrics:read"])
    return raw


def _post(port: int, token: str, body: bytes) -> tuple[int, dict[str, Any]]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
    conn.request(
        "POST",
        "/api/v1/metrics/",
        body=body,
        headers={
            "Authorization": f"Bearer {token}",
            "Content-Type": "application/json",
            "X-Forwarded-Proto": "https",
            "Host": "127.0.0.1",
        },
    )
    response = conn.getresponse()
    payload = json.loads(response.read() or b"{}")
    conn.close()
    return response.status, payload


def _wait(port: int, proc: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.time() + timeout
    while time.time() < deadline:
        if proc.poll() is not None:
            raise RuntimeError("gunicorn exited during start-up")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/healthz", headers={"Host": "127.0.0.1"})
            conn.getresponse().read()
            conn.close()
            return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError("gunicorn did not start")


def push_api(bodies: list[dict[str, Any]]) -> dict[str, float]:
    """POST every body (two at a time, one per worker) and time it; then the in-process loader
    (``load_points``, what the view calls) on the same points."""
    from concurrent.futures import ThreadPoolExecutor

    env.truncate_facts()
    token = _token()
    port = _free_port()
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    proc = subprocess.Popen(  # noqa: S603 - the virtualenv's gunicorn
        [
            os.path.join(os.path.dirname(sys.executable), "gunicorn"),
            "bench.wsgi:application",
            "--workers",
            "2",
            "--bind",
            f"127.0.0.1:{port}",
            "--timeout",
            "600",
            "--log-level",
            "warning",
        ],
        cwd=root,
        env=os.environ.copy(),
    )
    try:
        _wait(port, proc)
        encoded = [json.dumps(b).encode() for b in bodies]
        _post(port, token, encoded[0])  # warm both the code path and the connection pool
        env.truncate_facts()
        latencies: list[float] = []

        def send(body: bytes) -> None:
            start = time.perf_counter()
            status, payload = _post(port, token, body)
            latencies.append(time.perf_counter() - start)
            if status != 200:
                raise RuntimeError(f"push refused: {status} {str(payload)[:300]}")

        start = time.perf_counter()
        with ThreadPoolExecutor(max_workers=2) as pool:
            list(pool.map(send, encoded))
        wall = time.perf_counter() - start
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    points = sum(len(b["points"]) for b in bodies)
    in_process = _in_process(bodies)
    return {
        "requests": len(bodies),
        "points": points,
        "wall_s": wall,
        "points_per_s": points / wall,
        "median_request_s": statistics.median(latencies),
        "median_in_process_s": in_process,
    }


def _in_process(bodies: list[dict[str, Any]]) -> float:
    """Median time of ``load_points`` on each body's points (fresh facts: all created)."""
    import datetime as dt

    from analytics.models import BatchKind, ImportBatch
    from analytics.services.facts import Point, load_points

    env.truncate_facts()
    times = []
    for body in bodies:
        points = [
            Point(
                campaign=p["campaign"],
                date=dt.date.fromisoformat(p["date"]),
                metric=p["metric"],
                value=float(p["value"]),
                source="api",
                index=i,
            )
            for i, p in enumerate(body["points"])
        ]
        start = time.perf_counter()
        batch = ImportBatch.objects.create(kind=BatchKind.API, source="api")
        result = load_points(points, batch=batch, field_prefix=lambda i: f"points[{i}].")
        times.append(time.perf_counter() - start)
        if result.refused:
            raise RuntimeError(f"in-process push refused: {result.errors[:2]}")
    return statistics.median(times)
