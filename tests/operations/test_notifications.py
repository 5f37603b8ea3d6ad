"""Notification sending: a webhook that fails (HTTP 500) is retried with backoff, then
succeeds; permanent failures stop; every attempt lands on the timeline; never in the request."""

from __future__ import annotations

import json
import threading
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
import time_machine
from django.core import mail

from operations.models import EventKind, Notification
from operations.services import notifications as notify
from operations.services.notifications import MAX_ATTEMPTS, backoff, build_payload

from .incident_support import eager_tasks, make_incident, webhook_channel  # noqa: F401

T0 = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)


class Receiver:
    """A local webhook receiver answering the queued statuses, then 200."""

    def __init__(self, statuses: list[int]):
        self.statuses = list(statuses)
        self.bodies: list[dict] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers["Content-Length"])
                outer.bodies.append(json.loads(self.rfile.read(length)))
                code = outer.statuses.pop(0) if outer.statuses else 200
                self.send_response(code)
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args):
                pass

        self.server = HTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hook"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver():
    made: list[Receiver] = []

    def make(statuses):
        r = Receiver(statuses)
        made.append(r)
        return r

    yield make
    for r in made:
        r.close()


def _notification(incident, kind="webhook", recipient="", channel=None):
    return Notification.objects.create(
        incident=incident,
        kind=kind,
        recipient=recipient,
        channel=channel,
        payload=build_payload(incident, kind),
    )


def test_backoff_doubles():
    assert [backoff(n).total_seconds() for n in (1, 2, 3, 4)] == [60, 120, 240, 480]


@pytest.mark.django_db
def test_failing_webhook_is_retried_with_backoff_then_sent(org, receiver):
    hook = receiver([500, 500])
    incident = make_incident(org)
    n = _notification(
        incident, recipient=hook.url, channel=webhook_channel(incident.team, hook.url)
    )
    with time_machine.travel(T0, tick=False):
        assert notify.send_notification(notification_id=n.pk) == "pending"
        n.refresh_from_db()
        assert n.attempts == 1 and n.next_attempt_at == T0 + timedelta(minutes=1)
        assert "HTTP 500" in n.last_error
        # not due yet: nothing is sent
        assert notify.send_notification(notification_id=n.pk) == "skipped"
    with time_machine.travel(T0 + timedelta(minutes=1), tick=False):
        assert notify.due_notification_ids() == [n.pk]
        assert notify.send_notification(notification_id=n.pk) == "pending"
        n.refresh_from_db()
        assert n.next_attempt_at == T0 + timedelta(minutes=3)  # 2 minutes after attempt 2
    with time_machine.travel(T0 + timedelta(minutes=3), tick=False):
        assert notify.send_notification(notification_id=n.pk) == "sent"
    n.refresh_from_db()
    assert (n.status, n.attempts, n.last_error) == ("sent", 3, "")
    assert len(hook.bodies) == 3
    assert "GTM container not firing" in hook.bodies[-1]["text"]  # Slack-compatible text
    assert hook.bodies[-1]["incident"]["id"] == incident.pk
    events = list(incident.events.filter(kind=EventKind.NOTIFICATION).order_by("pk"))
    assert [e.data["status"] for e in events] == ["pending", "pending", "sent"]


@pytest.mark.django_db
def test_webhook_gives_up_after_max_attempts(org, receiver):
    hook = receiver([500] * 10)
    incident = make_incident(org)
    n = _notification(incident, recipient=hook.url)
    now = T0
    for attempt in range(1, MAX_ATTEMPTS + 1):
        with time_machine.travel(now, tick=False):
            status = notify.send_notification(notification_id=n.pk)
        n.refresh_from_db()
        assert n.attempts == attempt
        if attempt < MAX_ATTEMPTS:
            assert status == "pending"
            now = n.next_attempt_at
    assert status == "failed" and n.status == "failed" and n.next_attempt_at is None
    with time_machine.travel(now + timedelta(days=1), tick=False):
        assert notify.send_notification(notification_id=n.pk) == "skipped"
    assert len(hook.bodies) == MAX_ATTEMPTS
    last = incident.events.filter(kind=EventKind.NOTIFICATION).order_by("-pk").first()
    assert "failed for good" in last.message


@pytest.mark.django_db
def test_client_error_is_permanent(org, receiver):
    hook = receiver([404])
    incident = make_incident(org)
    n = _notification(incident, recipient=hook.url)
    assert notify.send_notification(notification_id=n.pk) == "failed"
    n.refresh_from_db()
    assert n.attempts == 1 and "404" in n.last_error


@pytest.mark.django_db
def test_email_is_sent_with_a_clear_subject(org):
    incident = make_incident(org, severity="sev1", title="Salesforce login fails")
    n = _notification(incident, kind="email", recipient="oncall@example.jp")
    assert notify.send_notification(notification_id=n.pk) == "sent"
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["oncall@example.jp"]
    assert message.subject.startswith("[MOps] SEV1 incident #")
    assert "Salesforce login fails" in message.subject
    assert incident.get_absolute_url() in message.body


@pytest.mark.django_db
@pytest.mark.usefixtures("eager_tasks")
def test_queued_notifications_wait_for_the_commit(org, django_capture_on_commit_callbacks):
    incident = make_incident(org)
    n = _notification(incident, kind="email", recipient="a@example.jp")
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        notify.queue_notifications([n.pk])
    assert len(callbacks) == 1 and len(mail.outbox) == 0
    callbacks[0]()
    n.refresh_from_db()
    assert n.status == "sent" and len(mail.outbox) == 1


@pytest.mark.django_db
def test_sweep_task_sends_due_pending_notifications(org):
    from operations.tasks import send_due_notifications

    incident = make_incident(org)
    _notification(incident, kind="email", recipient="a@example.jp")
    _notification(incident, kind="email", recipient="b@example.jp")
    assert send_due_notifications() == 2
    assert send_due_notifications() == 0
