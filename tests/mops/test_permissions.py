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
