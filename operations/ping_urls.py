"""The heartbeat ping contract: ``GET|POST /ping/<uuid>/``, no login (the uuid is the secret).

Like Healthchecks, ``/ping/<uuid>/start`` marks a job's start and ``/ping/<uuid>/fail`` reports a
failure. Answers are plain text so a cron wrapper's log says what happened. An unknown or
malformed uuid is 404 and changes nothing. CSRF-exempt: programs, not browsers, ping.
"""

from __future__ import annotations

import time
import uuid

from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.urls import URLPattern, path, re_path
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from .models import Check, CheckKind, Ping, PingKind

PINGS_PER_MINUTE = 60


def _text(body: str, status: int = 200) -> HttpResponse:
    response = HttpResponse(body + "\n", status=status, content_type="text/plain; charset=utf-8")
    response["Cache-Control"] = "no-store"
    return response


def _throttled(key: uuid.UUID) -> bool:
    """Generous per-check limit (cron wrappers retry): more than PINGS_PER_MINUTE pings to one
    check within a minute are refused with 429 until the minute is over."""
    bucket = f"ping-throttle:{key}:{int(time.time() // 60)}"
    cache.add(bucket, 0, timeout=120)
    try:
        return cache.incr(bucket) > PINGS_PER_MINUTE
    except ValueError:  # the key expired between add and incr
        return False


def _body_excerpt(request: HttpRequest) -> str:
    if request.method != "POST":
        return ""
    return request.body[: Ping.BODY_LIMIT].decode("utf-8", errors="replace")


@csrf_exempt
@require_http_methods(["GET", "POST", "HEAD"])
def ping(request: HttpRequest, code: str, kind: str = PingKind.SUCCESS) -> HttpResponse:
    from .services.monitoring import record_ping

    try:
        key = uuid.UUID(code)
    except ValueError:
        return _text("not found: this is not a check's ping address (malformed uuid)", 404)
    check = Check.objects.filter(uuid=key).only("pk", "kind").first()
    if check is None:
        return _text(f"not found: no check has the ping uuid {key}", 404)
    if _throttled(key):
        response = _text("too many pings for this check: retry in a minute", 429)
        response["Retry-After"] = "60"
        return response
    if check.kind != CheckKind.HEARTBEAT:
        return _text("refused: this check is not a heartbeat check and takes no pings", 400)
    record_ping(
        check=check,
        kind=kind,
        remote_addr=request.META.get("REMOTE_ADDR") or None,
        user_agent=request.META.get("HTTP_USER_AGENT", ""),
        method=request.method or "",
        body=_body_excerpt(request),
    )
    return _text("OK")


urlpatterns: list[URLPattern] = [
    path("<str:code>/", ping, name="ping"),
    re_path(r"^(?P<code>[^/]+)$", ping),  # cron wrappers often drop the slash; POST can't redirect
    re_path(r"^(?P<code>[^/]+)/start/?$", ping, {"kind": PingKind.START}, name="ping_start"),
    re_path(r"^(?P<code>[^/]+)/fail/?$", ping, {"kind": PingKind.FAIL}, name="ping_fail"),
]
