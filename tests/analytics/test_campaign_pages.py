"""Campaigns through browser forms: create, validate, list, filter, export, clone, scope."""

import pytest

from analytics.models import Campaign
from analytics.services.campaigns import code_from_name, create_campaign

pytestmark = pytest.mark.django_db


def form_data(team, **overrides):
    data = {
        "name": "秋の新商品キャンペーン",
        "code": "",
        "team": team.pk,
        "channel": "social",
        "status": "active",
        "currency": "JPY",
        "budget": "1000000",
        "start_date": "2026-10-01",
        "end_date": "2026-11-30",
    }
    data.update(overrides)
    return data


def test_marketer_logs_a_campaign_through_the_form(client, users, teams):
    client.force_login(users["marketer"])
    response = client.post("/analytics/campaigns/new/", form_data(teams["digital-marketing"]))
    campaign = Campaign.objects.get()
    assert response.status_code == 302 and response["Location"] == campaign.get_absolute_url()
    assert campaign.code.startswith("c-")
    page = client.get(campaign.get_absolute_url()).content.decode()
    assert "秋の新商品キャンペーン" in page


def test_form_errors_are_specific(client, users, teams):
    create_campaign(team=teams["digital-marketing"], name="A", code="dup")
    client.force_login(users["marketer"])
    response = client.post(
        "/analytics/campaigns/new/",
        form_data(teams["digital-marketing"], code="dup", budget="-1", end_date="2026-09-01"),
    )
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert {"code", "budget", "end_date"} <= set(errors)
    assert Campaign.objects.count() == 1


def test_list_filters_searches_and_exports_csv(client, users, teams):
    team = teams["digital-marketing"]
    create_campaign(team=team, name="Search brand", code="search-brand", channel="search")
    create_campaign(team=team, name="Video teaser", code="video-teaser", channel="video")
    client.force_login(users["marketer"])
    page = client.get("/analytics/campaigns/?channel=video").content.decode()
    assert "video-teaser" in page and "search-brand" not in page
    page = client.get("/analytics/campaigns/?q=brand").content.decode()
    assert "search-brand" in page and "video-teaser" not in page
    csv = client.get("/analytics/campaigns/?format=csv").content.decode("utf-8-sig")
    assert csv.splitlines()[0].startswith("code,name,channel")
    assert len(csv.splitlines()) == 3


def test_campaigns_of_other_teams_are_invisible(client, users, teams):
    hidden = create_campaign(team=teams["management"], name="IR", code="ir")
    client.force_login(users["marketer"])
    assert client.get(hidden.get_absolute_url()).status_code == 404
    assert "ir" not in [c.code for c in client.get("/analytics/campaigns/").context["page"]]


def test_clone_prefills_the_form(client, users, teams):
    original = create_campaign(
        team=teams["digital-marketing"], name="Base", code="base", channel="email"
    )
    client.force_login(users["marketer"])
    response = client.get(f"/analytics/campaigns/{original.code}/clone/")
    form = response.context["form"]
    assert form.initial["channel"] == "email" and "Base" in form.initial["name"]


def test_codes_generated_from_names(teams):
    assert code_from_name("Winter Sale 2026") == "winter-sale-2026"
    assert code_from_name("冬のセール") == code_from_name("冬のセール")
    create_campaign(team=teams["digital-marketing"], name="Winter Sale 2026")
    assert code_from_name("Winter Sale 2026") == "winter-sale-2026-2"


def test_list_shows_labels_and_links_with_a_query_count_that_does_not_grow(
    client, users, teams, django_assert_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    team = teams["digital-marketing"]
    create_campaign(team=team, name="Video teaser", code="video-teaser", channel="video")
    client.force_login(users["marketer"])
    client.get("/analytics/campaigns/")
    with CaptureQueriesContext(connection) as few:
        page = client.get("/analytics/campaigns/").content.decode()
    assert '<a href="/analytics/campaigns/video-teaser/">Video teaser</a>' in page
    assert "<td>Video</td><td>Planned</td>" in page
    for i in range(60):
        create_campaign(team=team, name=f"Campaign {i}", code=f"campaign-{i:02d}")
    with django_assert_num_queries(len(few)):
        page = client.get("/analytics/campaigns/").content.decode()
    assert page.count('<a href="/analytics/campaigns/campaign-') == 50  # one page of 50
