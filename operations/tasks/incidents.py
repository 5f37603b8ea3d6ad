"""Operations tasks: incident escalation and notification sending (thin; the rules are services)."""

from __future__ import annotations

from celery import shared_task
from django.conf import settings

__all__ = ["escalate_incidents", "send_due_notifications", "send_notification"]


@shared_task(name="operations.tasks.escalate_incidents")
def escalate_incidents() -> int:
    """Every minute (beat): fire the due escalation steps of unacknowledged incidents."""
    from ..services.escalation import escalate_due

    return escalate_due()


@shared_task(name="operations.tasks.send_notification", acks_late=True)
def send_notification(notification_id: int) -> str:
    """Send one notification; on a transient failure schedule the retry after its backoff.

    The row records the next attempt time, so the every-minute sweep retries it too if this
    worker dies; the claim in the service keeps the two from sending twice.
    """
    from ..models import Notification, NotificationStatus
    from ..services.notifications import send_notification as send

    status = send(notification_id=notification_id)
    if status == NotificationStatus.PENDING and not settings.CELERY_TASK_ALWAYS_EAGER:
        due = (
            Notification.objects.filter(pk=notification_id)
            .values_list("next_attempt_at", flat=True)
            .first()
        )
        if due is not None:
            send_notification.apply_async((notification_id,), eta=due)
    return status


@shared_task(name="operations.tasks.send_due_notifications")
def send_due_notifications() -> int:
    """Every minute (beat): send pending notifications whose (re)try time has come."""
    from ..services.notifications import due_notification_ids
    from ..services.notifications import send_notification as send

    sent = 0
    for pk in due_notification_ids():
        sent += send(notification_id=pk) == "sent"
    return sent
