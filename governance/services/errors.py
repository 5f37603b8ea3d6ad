from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from ..models import ReviewMeeting, ReviewState


class ReviewClosed(ValidationError):
    """Raised by every service that would change a closed review."""


def refuse_if_closed(review: ReviewMeeting) -> None:
    current = ReviewMeeting.objects.filter(pk=review.pk).values_list("state", flat=True).first()
    if current == ReviewState.CLOSED:
        raise ReviewClosed(
            _("This review is closed: its agenda, notes and decisions are read-only.")
        )
