"""Roles say what a user may do; teams say on which objects (django-guardian)."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group, Permission

from mops.models import Team
from mops.permissions import can, grant_team_access, grant_user_access, restrict, revoke_team_access
from mops.roles import ROLE_NAMES
from mops.services import add_member, create_team, remove_member

pytestmark = pytest.mark.django_db


def test_roles_exist_with_their_model_permissions(db):
    groups = {g.name: g for g in Group.objects.filter(name__in=ROLE_NAMES)}
    assert set(groups) == set(ROLE_NAMES)
    marketer = set(groups["marketer"].permissions.values_list("codename", flat=True))
    assert {"view_team", "add_apitoken"} <= marketer
    assert "change_team" not in marketer
    assert groups["admin"].permissions.count() == Permission.objects.count()


def test_objects_are_scoped_to_the_users_teams(users, teams):
    visible = create_team(name="Visible", slug="visible")
    hidden = create_team(name="Hidden", slug="hidden")
    grant_team_access(teams["digital-marketing"], visible, ["view"])
    marketer = users["marketer"]
    assert list(restrict(Team.objects.filter(slug__in=["visible", "hidden"]), marketer)) == [
        visible
    ]
    assert can(marketer, "view", visible)
    assert not can(marketer, "view", hidden)
    # The role must also hold the model permission: view yes, change no.
    grant_team_access(teams["digital-marketing"], visible, ["change"])
    assert not can(marketer, "change", visible)


def test_access_follows_membership(users, teams):
    target = create_team(name="Target", slug="target")
    grant_team_access(teams["marketing-ops"], target, ["view"])
    marketer = users["marketer"]
    assert not can(marketer, "view", target)
    add_member(team=teams["marketing-ops"], user=marketer)
    marketer = type(marketer).objects.get(pk=marketer.pk)  # fresh permission cache
    assert can(marketer, "view", target)
    remove_member(team=teams["marketing-ops"], user=marketer)
    marketer = type(marketer).objects.get(pk=marketer.pk)
    assert not can(marketer, "view", target)


def test_revoking_team_access(users, teams):
    target = create_team(name="Target", slug="target")
    grant_team_access(teams["digital-marketing"], target, ["view"])
    revoke_team_access(teams["digital-marketing"], target, ["view"])
    assert not restrict(Team.objects.filter(pk=target.pk), users["marketer"]).exists()


def test_personal_object_permission_for_owners(users):
    target = create_team(name="Target", slug="target")
    grant_user_access(users["ops"], target, ["view"])
    assert can(users["ops"], "view", target)
    assert not can(users["marketer"], "view", target)


def test_admins_see_everything_and_anonymous_nothing(users):
    from django.contrib.auth.models import AnonymousUser

    target = create_team(name="Target", slug="target")
    assert can(users["admin"], "delete", target)
    assert restrict(Team.objects.all(), AnonymousUser()).count() == 0


def test_restrict_unions_personal_and_team_grants_like_guardian(users, teams):
    """restrict() filters with its own subqueries; the rows are those guardian's
    get_objects_for_user gives: personal grants, team grants, per action, nothing else."""
    from guardian.shortcuts import get_objects_for_user

    mine = create_team(name="Mine", slug="mine")
    ours = create_team(name="Ours", slug="ours")
    theirs = create_team(name="Theirs", slug="theirs")
    change_only = create_team(name="Change only", slug="change-only")
    grant_user_access(users["marketer"], mine, ["view"])
    grant_team_access(teams["digital-marketing"], ours, ["view"])
    grant_team_access(teams["management"], theirs, ["view"])
    grant_team_access(teams["digital-marketing"], change_only, ["change"])
    marketer = users["marketer"]
    candidates = Team.objects.filter(slug__in=["mine", "ours", "theirs", "change-only"])
    assert {t.slug for t in restrict(candidates, marketer)} == {"mine", "ours"}
    assert set(restrict(Team.objects.all(), marketer)) == set(
        get_objects_for_user(
            marketer, "view_team", klass=Team, accept_global_perms=False, with_superuser=False
        )
    )


def test_restrict_nested_in_another_query_filters_that_querys_own_rows(users, teams):
    """The grant check names the object's key as a column of its query, so it follows Django's
    renaming when the restricted queryset is a subquery of another."""
    from mops.models import TeamMembership

    ours = create_team(name="Ours", slug="ours")
    theirs = create_team(name="Theirs", slug="theirs")
    grant_team_access(teams["digital-marketing"], ours, ["view"])
    for team in (ours, theirs):
        add_member(team=team, user=users["ops"])
    visible = restrict(Team.objects.all(), users["marketer"])
    memberships = TeamMembership.objects.filter(team__in=visible, user=users["ops"])
    assert {m.team.slug for m in memberships} == {"ours"}
    assert set(TeamMembership.objects.filter(team__in=visible).values_list("team", flat=True)) == {
        t.pk for t in visible
    }


def test_holder_is_read_once_per_user_object_and_forgotten_on_a_personal_grant(
    users, teams, django_assert_num_queries
):
    marketer = users["marketer"]
    mine = create_team(name="Mine", slug="mine")
    ours = create_team(name="Ours", slug="ours")
    grant_team_access(teams["digital-marketing"], ours, ["view"])
    candidates = Team.objects.filter(slug__in=["mine", "ours"])
    assert {t.slug for t in restrict(candidates, marketer)} == {"ours"}
    with django_assert_num_queries(2):  # the two lists; the groups and grants are known
        assert {t.slug for t in restrict(candidates, marketer)} == {"ours"}
        assert {t.slug for t in restrict(candidates, marketer)} == {"ours"}
    grant_user_access(marketer, mine, ["view"])
    assert {t.slug for t in restrict(candidates, marketer)} == {"mine", "ours"}


def test_a_user_without_groups_sees_only_personal_grants(users):
    from django.contrib.auth import get_user_model

    loner = get_user_model().objects.create_user("loner", password="x")
    loner.user_permissions.add(Permission.objects.get(codename="view_team"))
    loner = type(loner).objects.get(pk=loner.pk)
    mine = create_team(name="Mine", slug="mine")
    create_team(name="Other", slug="other")
    assert not restrict(Team.objects.all(), loner).exists()
    grant_user_access(loner, mine, ["view"])
    assert list(restrict(Team.objects.all(), loner)) == [mine]


@pytest.mark.postgres
def test_team_grants_are_probed_per_object_not_hashed_whole(users, teams):
    """Without personal grants the check is one EXISTS with the permission's id and the groups
    as parameters: PostgreSQL joins it (a probe of guardian's unique key per object) instead of
    hashing every key the team holds in a sub-plan on each query (BENCHMARKS.md)."""
    from django.db import connection

    team = create_team(name="Ours", slug="ours")
    grant_team_access(teams["digital-marketing"], team, ["view"])
    visible = restrict(Team.objects.all(), users["marketer"]).order_by("name")[:10]
    sql, params = visible.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN {sql}", params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "SubPlan" not in plan, plan
    assert "Semi Join" in plan or "Join" in plan, plan
    assert list(visible) == [team]


def test_a_membership_change_shows_on_the_same_user_object(users, teams):
    target = create_team(name="Target", slug="target")
    grant_team_access(teams["marketing-ops"], target, ["view"])
    marketer = users["marketer"]
    assert not restrict(Team.objects.filter(pk=target.pk), marketer).exists()
    add_member(team=teams["marketing-ops"], user=marketer)
    assert restrict(Team.objects.filter(pk=target.pk), marketer).exists()
    remove_member(team=teams["marketing-ops"], user=marketer)
    assert not restrict(Team.objects.filter(pk=target.pk), marketer).exists()
