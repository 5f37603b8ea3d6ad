"""Sending incident notifications (email, outgoing webhook) with bounded retries.

Notifications are rows created in the request or the escalation task and sent by a Celery task
after the transaction commits, never inside a request. Sending claims the row first
(``filter(pk, status=pending, due).update(...) == 1``, as Healthchecks' sendalerts does), so two
workers never send the same notification. A failure is retried with exponential backoff
(1, 2, 4, 8 minutes) up to ``MAX_ATTEMPTS``; a permanent failure (a 4xx answer other than 408/429,
a malformed address) stops at once. Every send and failure is written on the incident timeline.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from ..models import ChannelKind, EventKind, Incident, Notification, NotificationStatus
from .incidents import add_event

MAX_ATTEMPTS = 5
BACKOFF_BASE_SECONDS = 60
# While one worker sends, the row is not due for others.
CLAIM_SECONDS = 120
WEBHOOK_TIMEOUT_SECONDS = 10


class PermanentError(Exception):
    """Retrying will not help (the receiver refuses the message)."""


def backoff(attempts: int) -> timedelta:
    """Delay before the next attempt after ``attempts`` failed ones: 1, 2, 4, 8 minutes."""
    return timedelta(seconds=BACKOFF_BASE_SECONDS * 2 ** max(attempts - 1, 0))


def _incident_url(incident: Incident) -> str:
    base = settings.SITE_URL
    return f"{base}{incident.get_absolute_url()}"


def build_payload(incident: Incident, kind: str, *, reason: str = "") -> dict[str, Any]:
    """What the message says: an email subject and body, or webhook JSON with Slack's ``text``."""
    severity = incident.get_severity_display()
    state = incident.get_state_display()
    subject = _("[MOps] %(severity)s incident #%(pk)s %(state)s: %(title)s") % {
        "severity": incident.severity.upper(),
        "pk": incident.pk,
        "state": state,
        "title": incident.title,
    }
    lines = [
        subject,
        _("Team: %(team)s") % {"team": incident.team},
        _("Severity: %(severity)s") % {"severity": severity},
        _("Triggered at: %(at)s")
        % {"at": timezone.localtime(incident.triggered_at).strftime("%Y-%m-%d %H:%M %Z")},
        _("Open it: %(url)s") % {"url": _incident_url(incident)},
    ]
    if reason:
        lines.insert(1, _("Why you get this: %(reason)s") % {"reason": reason})
    if kind == ChannelKind.WEBHOOK:
        return {
            "text": "\n".join(lines),
            "incident": {
                "id": incident.pk,
                "title": incident.title,
                "severity": incident.severity,
                "state": incident.state,
                "team": incident.team.slug,
                "url": _incident_url(incident),
                "triggered_at": incident.triggered_at.isoformat(),
            },
        }
    return {"subject": subject, "body": "\n".join(lines)}


def queue_notifications(ids: Iterable[int]) -> None:
    """Send after commit, through the task (never in the request)."""
    ids = list(ids)
    if not ids:
        return
    from ..tasks.incidents import send_notification

    def send() -> None:
        for pk in ids:
            send_notification.delay(pk)

    transaction.on_commit(send)


def _deliver(notification: Notification) -> None:
    payload = notification.payload or {}
    if notification.kind == ChannelKind.EMAIL:
        if "@" not in notification.recipient:
            raise PermanentError(_("Not an email address: %(r)s") % {"r": notification.recipient})
        send_mail(
            payload.get("subject", ""),
            payload.get("body", ""),
            settings.DEFAULT_FROM_EMAIL,
            [notification.recipient],
        )
        return
    if not notification.recipient.startswith(("http://", "https://")):
        raise PermanentError(_("Not a webhook URL: %(r)s") % {"r": notification.recipient})
    request = urllib.request.Request(  # noqa: S310 - scheme checked above
        notification.recipient,
        data=json.dumps(payload).encode(),
        headers={"Content-Type": "application/json", "User-Agent": "MOps-Portal"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=WEBHOOK_TIMEOUT_SECONDS) as response:  # noqa: S310
            response.read(1024)
    except urllib.error.HTTPError as exc:
        if 400 <= exc.code < 500 and exc.code not in (408, 429):
            raise PermanentError(f"HTTP {exc.code}") from exc
        raise OSError(f"HTTP {exc.code}") from exc


def send_notification(*, notification_id: int, now: datetime | None = None) -> str:
    """Try to send one notification if it is due; returns its status afterwards
    ("sent", "pending" (will retry), "failed") or "skipped" when it was not due or claimed."""
    now = now or timezone.now()
    claimed = (
        Notification.objects.filter(pk=notification_id, status=NotificationStatus.PENDING)
        .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
        .update(attempts=F("attempts") + 1, next_attempt_at=now + timedelta(seconds=CLAIM_SECONDS))
    )
    if claimed != 1:
        return "skipped"
    notification = Notification.objects.select_related("incident").get(pk=notification_id)
    try:
        _deliver(notification)
    except Exception as exc:
        permanent = isinstance(exc, PermanentError) or notification.attempts >= MAX_ATTEMPTS
        notification.last_error = str(exc)[:2000] or exc.__class__.__name__
        if permanent:
            notification.status = NotificationStatus.FAILED
            notification.next_attempt_at = None
            message = _("%(kind)s to %(to)s failed for good after %(n)s attempt(s): %(error)s")
        else:
            notification.next_attempt_at = now + backoff(notification.attempts)
            message = _("%(kind)s to %(to)s failed (attempt %(n)s), retrying: %(error)s")
        notification.save(update_fields=["status", "next_attempt_at", "last_error"])
        add_event(
            incident=notification.incident,
            kind=EventKind.NOTIFICATION,
            message=message
            % {
                "kind": notification.get_kind_display(),
                "to": notification.recipient,
                "n": notification.attempts,
                "error": notification.last_error,
            },
            data={
                "notification": notification.pk,
                "status": notification.status,
                "attempts": notification.attempts,
                "next_attempt_at": (
                    notification.next_attempt_at.isoformat()
                    if notification.next_attempt_at
                    else None
                ),
            },
        )
        return notification.status
    notification.status = NotificationStatus.SENT
    notification.sent_at = timezone.now()
    notification.next_attempt_at = None
    notification.last_error = ""
    notification.save(update_fields=["status", "sent_at", "next_attempt_at", "last_error"])
    add_event(
        incident=notification.incident,
        kind=EventKind.NOTIFICATION,
        message=_("%(kind)s sent to %(to)s")
        % {"kind": notification.get_kind_display(), "to": notification.recipient},
        data={"notification": notification.pk, "status": "sent", "attempts": notification.attempts},
    )
    return NotificationStatus.SENT


def due_notification_ids(*, now: datetime | None = None, limit: int = 500) -> list[int]:
    now = now or timezone.now()
    return list(
        Notification.objects.filter(status=NotificationStatus.PENDING)
        .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:limit]
    )
