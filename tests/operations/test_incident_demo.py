"""seed_demo's incident part: past incidents with postmortems, one open SEV2, policies; twice
changes nothing."""

from __future__ import annotations

import io

import pytest

from operations.demo import incidents as demo
from operations.models import (
    EscalationPolicy,
    Incident,
    NotificationChannel,
    Postmortem,
    SeverityPolicy,
)
from operations.selectors.incidents import mtta_mttr


@pytest.mark.django_db
def test_demo_incidents_tell_a_story_and_are_idempotent(org):
    out = io.StringIO()
    demo.seed(stdout=out)
    demo.seed(stdout=out)
    assert Incident.objects.count() == 4
    assert Postmortem.objects.count() == 3
    assert set(Incident.objects.values_list("state", flat=True)) == {"closed", "triggered"}
    open_one = Incident.objects.get(state="triggered")
    assert open_one.severity == "sev2" and open_one.alert_count == 3
    assert SeverityPolicy.objects.filter(team=None).count() == 4
    assert EscalationPolicy.objects.get(is_default=True).steps.count() == 3
    assert not NotificationChannel.objects.get(kind="webhook").enabled
    import datetime

    from django.utils import timezone

    today = timezone.localdate()
    report = mtta_mttr(
        user=org["users"]["ops"], date_from=today - datetime.timedelta(days=60), date_to=today
    )
    assert report["total"].incidents == 4 and report["total"].resolved == 3
    assert report["total"].mtta is not None
