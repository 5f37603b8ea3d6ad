"""The skills matrix: skills per team, members' levels, 属人化 risks, who may change what."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from governance.maturity import scorecards
from governance.models import Skill, SkillRating
from governance.selectors import skill_matrix
from governance.services.skills import create_skill, rate_member
from mops.models import TeamMembership
from mops.services import add_member

MATRIX = reverse("governance:skills")


@pytest.fixture
def team_skills(org):
    users, team = org["users"], org["teams"]["digital-marketing"]
    bidding = create_skill(team=team, name="Google Ads bidding")
    reports = create_skill(team=team, name="Weekly report")
    rate_member(member=users["marketer"], levels={bidding: 4, reports: 3}, by=users["manager"])
    rate_member(member=users["manager"], levels={bidding: 3, reports: 1}, by=users["manager"])
    return {"team": team, "bidding": bidding, "reports": reports, **users}


def member_url(team, user):
    return reverse("governance:member_skills", args=[team.slug, user.pk])


@pytest.mark.django_db
def test_the_matrix_counts_who_can_do_each_skill_alone(team_skills):
    matrix = skill_matrix(user=team_skills["manager"], team=team_skills["team"])
    assert [s.name for s in matrix.skills] == ["Google Ads bidding", "Weekly report"]
    assert {r.member.username: [lvl for _s, lvl in r.cells] for r in matrix.rows} == {
        "marketer": [4, 3],
        "manager": [3, 1],
    }
    assert matrix.capable == {team_skills["bidding"].pk: 2, team_skills["reports"].pk: 1}
    assert matrix.at_risk == [team_skills["reports"]]


@pytest.mark.django_db
def test_a_member_who_left_no_longer_counts(team_skills):
    TeamMembership.objects.filter(team=team_skills["team"], user=team_skills["marketer"]).delete()
    matrix = skill_matrix(user=team_skills["manager"], team=team_skills["team"])
    assert [r.member.username for r in matrix.rows] == ["manager"]
    assert matrix.capable[team_skills["bidding"].pk] == 1
    shared = {c.team and c.team.slug: c for c in scorecards(user=team_skills["manager"])}
    score = next(s for s in shared["digital-marketing"].scores if s.practice.key == "skills_shared")
    assert (score.met, score.total) == (0, 2)


@pytest.mark.django_db
def test_the_scorecard_counts_skills_two_people_can_do_alone(team_skills):
    cards = {c.team and c.team.slug: c for c in scorecards(user=team_skills["manager"])}
    score = next(s for s in cards["digital-marketing"].scores if s.practice.key == "skills_shared")
    assert (score.met, score.total, score.level) == (1, 2, 3)


@pytest.mark.django_db
def test_the_page_shows_levels_risks_and_edit_links_to_managers(client, team_skills):
    client.force_login(team_skills["manager"])
    html = client.get(MATRIX, {"team": "digital-marketing"}).content.decode()
    assert 'data-member="marketer"' in html and 'data-capable="1"' in html
    assert "1 skill depends on one person or nobody" in html and "Weekly report" in html
    assert member_url(team_skills["team"], team_skills["marketer"]) in html
    assert reverse("governance:skill_create") + "?team=digital-marketing" in html
    ja = client.get(MATRIX, {"team": "digital-marketing"}, headers={"accept-language": "ja"})
    assert "スキルマップ" in ja.content.decode()


@pytest.mark.django_db
def test_marketers_read_the_matrix_but_change_nothing(client, team_skills):
    client.force_login(team_skills["marketer"])
    html = client.get(MATRIX).content.decode()
    assert 'data-member="manager"' in html
    assert member_url(team_skills["team"], team_skills["marketer"]) not in html
    assert client.get(reverse("governance:skill_create")).status_code == 403
    url = member_url(team_skills["team"], team_skills["marketer"])
    assert client.post(url, {f"skill_{team_skills['bidding'].pk}": "0"}).status_code == 403
    assert (
        SkillRating.objects.get(user=team_skills["marketer"], skill=team_skills["bidding"]).level
        == 4
    )


@pytest.mark.django_db
def test_other_teams_neither_see_nor_edit_the_skills(client, team_skills):
    client.force_login(team_skills["ops"])  # marketing-ops only
    html = client.get(MATRIX, {"team": "digital-marketing"}).content.decode()
    assert "Google Ads bidding" not in html
    edit = reverse("governance:skill_edit", args=[team_skills["bidding"].pk])
    assert client.get(edit).status_code in (403, 404)


@pytest.mark.django_db
def test_adding_a_skill_refuses_a_name_the_team_already_has(client, team_skills):
    client.force_login(team_skills["manager"])
    url = reverse("governance:skill_create")
    team = team_skills["team"]
    response = client.post(url, {"team": team.pk, "name": "google ads BIDDING"})
    assert response.status_code == 200
    assert "already has a skill called" in response.content.decode()
    response = client.post(url, {"team": team.pk, "name": "Meta ads", "description": "CAPI"})
    assert response.status_code == 302 and response["Location"].endswith("?team=digital-marketing")
    assert Skill.objects.get(team=team, name="Meta ads").description == "CAPI"


@pytest.mark.django_db
def test_rating_a_member_sets_and_clears_levels(client, team_skills):
    client.force_login(team_skills["manager"])
    bidding, reports = team_skills["bidding"], team_skills["reports"]
    url = member_url(team_skills["team"], team_skills["marketer"])
    assert (
        client.post(url, {f"skill_{bidding.pk}": "2", f"skill_{reports.pk}": ""}).status_code == 302
    )
    ratings = dict(
        SkillRating.objects.filter(user=team_skills["marketer"]).values_list("skill_id", "level")
    )
    assert ratings == {bidding.pk: 2}
    rating = SkillRating.objects.get(user=team_skills["marketer"], skill=bidding)
    assert rating.updated_by == team_skills["manager"] and rating.history.count() == 2
    bad = client.post(url, {f"skill_{bidding.pk}": "7"})
    assert bad.status_code == 200 and "Select a valid choice" in bad.content.decode()
    # only members of the team are rated
    outsider = member_url(team_skills["team"], team_skills["ops"])
    assert client.get(outsider).status_code == 404


@pytest.mark.django_db
def test_rate_member_refuses_someone_outside_the_team(team_skills):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        rate_member(member=team_skills["ops"], levels={team_skills["bidding"]: 3}, by=None)
    assert not SkillRating.objects.filter(user=team_skills["ops"]).exists()


@pytest.mark.django_db
def test_editing_and_deleting_a_skill(client, team_skills):
    client.force_login(team_skills["manager"])
    bidding = team_skills["bidding"]
    edit = reverse("governance:skill_edit", args=[bidding.pk])
    page = client.get(edit).content.decode()
    assert reverse("governance:skill_delete", args=[bidding.pk]) in page
    assert client.post(edit, {"name": "Search bidding"}).status_code == 302
    bidding.refresh_from_db()
    assert bidding.name == "Search bidding" and bidding.team == team_skills["team"]
    assert client.get(reverse("governance:skill_delete", args=[bidding.pk])).status_code == 405
    assert client.post(reverse("governance:skill_delete", args=[bidding.pk])).status_code == 302
    assert not Skill.objects.filter(pk=bidding.pk).exists()
    assert not SkillRating.objects.filter(skill_id=bidding.pk).exists()


@pytest.mark.django_db
def test_the_matrix_query_count_does_not_grow(org, client, team_skills, django_assert_num_queries):
    client.force_login(team_skills["manager"])
    client.get(MATRIX)
    with CaptureQueriesContext(connection) as before:
        client.get(MATRIX)
    expected = len(before)  # read now: later queries may rotate the query log
    team = team_skills["team"]
    for i in range(5):
        skill = create_skill(team=team, name=f"Skill {i}")
        rate_member(member=team_skills["marketer"], levels={skill: i % 5}, by=None)
    add_member(team=team, user=org["users"]["ops"])
    client.get(MATRIX)  # a membership changed: the cached roles are read again, once
    with django_assert_num_queries(expected):
        response = client.get(MATRIX)
    assert response.content.decode().count("data-skill=") == 7


@pytest.mark.django_db
def test_a_tools_page_shows_the_skills_that_name_it(client, team_skills):
    from mops.permissions import grant_team_access
    from operations.models import Tool

    team = team_skills["team"]
    ads = Tool.objects.create(team=team, name="Google Ads", category="ad_platform")
    grant_team_access(team, ads)
    bidding = team_skills["bidding"]
    bidding.tool = ads
    bidding.save()
    client.force_login(team_skills["marketer"])
    html = client.get(ads.get_absolute_url()).content.decode()
    assert f'data-skill="{bidding.pk}"' in html and "2 people can do it alone" in html
    rate_member(member=team_skills["manager"], levels={bidding: 1}, by=None)
    html = client.get(ads.get_absolute_url()).content.decode()
    assert 'class="badge red"' in html and "1 person can do it alone" in html
    # a manager without any skill on the tool is offered to add one, with the tool chosen
    other = Tool.objects.create(team=team, name="GA4", category="analytics")
    grant_team_access(team, other)
    client.force_login(team_skills["manager"])
    html = client.get(other.get_absolute_url()).content.decode()
    add = reverse("governance:skill_create") + f"?team={team.slug}&amp;tool={other.pk}"
    assert add in html
    form = client.get(add.replace("&amp;", "&")).context["form"]
    assert str(form["tool"].value()) == str(other.pk)


@pytest.mark.django_db
def test_the_skills_api_lists_ratings_of_current_members_and_the_risks(
    api_client, team_skills, org, token_for
):
    manager = team_skills["manager"]
    TeamMembership.objects.filter(team=team_skills["team"], user=team_skills["marketer"]).delete()
    token = token_for(manager, "read")
    body = api_client.get(
        "/api/v1/skills/?team__slug=digital-marketing", HTTP_AUTHORIZATION=f"Bearer {token}"
    ).json()
    by_name = {s["name"]: s for s in body["results"]}
    assert set(by_name) == {"Google Ads bidding", "Weekly report"}
    bidding = by_name["Google Ads bidding"]
    assert (bidding["team"], bidding["capable"], bidding["at_risk"]) == (
        "digital-marketing",
        1,
        True,
    )
    assert [(r["user"], r["level"]) for r in bidding["ratings"]] == [("manager", 3)]  # left: gone
    assert bidding["ratings"][0]["level_label"] == "Can do it alone"
    api_client.force_authenticate(org["users"]["ops"])  # not in the team: sees none of it
    assert api_client.get("/api/v1/skills/").json()["count"] == 0
    schema = api_client.get("/api/schema/?format=json").json()
    fields = schema["components"]["schemas"]["Skill"]["properties"]
    assert {"capable", "at_risk", "ratings", "tool_name"} <= set(fields)
