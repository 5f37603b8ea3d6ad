"""The triage board's recent events: what happened, newest first, to the incidents the reader
may see, in a constant number of queries."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from operations.models import IncidentEvent

from .incident_support import make_incident
from .triage_fixtures import *  # noqa: F403 - the triage fixtures
from .triage_fixtures import BOARD, bulk_incidents, count_queries


@pytest.mark.django_db
def test_event_feed_shows_each_event_in_a_constant_number_of_queries(
    org, client, board_data, django_assert_num_queries
):
    """The feed reads only the columns it shows: nothing is fetched again per event."""
    incident = make_incident(org, title="feed")
    ops = org["users"]["ops"]
    client.force_login(ops)

    def comment(n):
        for i in range(n):
            IncidentEvent.objects.create(
                incident=incident, kind="comment", actor=ops, message=f"note {i}"
            )

    comment(1)
    expected = count_queries(client, BOARD)
    comment(20)
    with django_assert_num_queries(expected):
        html = client.get(BOARD).content.decode()
    feed = html.split('id="h-events"', 1)[1]
    assert feed.count(f'href="{incident.get_absolute_url()}"') == 15
    assert "note 19" in feed and "(ops)" in feed


@pytest.mark.django_db
def test_recent_events_say_what_happened_newest_first_in_the_readers_language(
    org, client, board_data
):
    from operations.services import incidents as svc

    ops = org["users"]["ops"]
    incident = make_incident(org, title="Feed", description="Tag " + "x" * 120)
    svc.acknowledge(incident=incident, by=ops)
    hidden = make_incident(org, title="Not theirs", team=org["teams"]["digital-marketing"])
    client.force_login(ops)
    html = client.get(BOARD).content.decode()
    feed = html[html.index('<ol class="ops-events">') : html.index("</ol>")]
    detail = reverse("operations:incident_detail", args=[incident.pk])
    # acknowledged (by ops) above triggered (with its description, cut at 90 characters)
    acked = feed.index("State change: Acknowledged (ops)")
    opened = feed.index("State change: Triggered — Tag xxx")
    assert acked < opened and f'<a href="{detail}">#{incident.pk}</a>' in feed
    assert "x" * 90 not in feed and "…" in feed
    assert f"#{hidden.pk}<" not in feed  # another team's incident
    ja = client.get(BOARD, headers={"accept-language": "ja"}).content.decode()
    assert "状態変更: 発生" in ja


@pytest.mark.django_db
def test_recent_events_are_the_newest_15(org, client, board_data):
    bulk_incidents(board_data["team"], 20, board_data["tool"])
    client.force_login(org["users"]["ops"])
    html = client.get(BOARD).content.decode()
    feed = html[html.index('<ol class="ops-events">') : html.index("</ol>")]
    newest = IncidentEvent.objects.order_by("-at", "-pk").values_list("incident_id", flat=True)
    shown = [int(pk) for pk in re.findall(r'">#(\d+)</a>', feed)]
    assert shown == list(newest[:15])
