"""Role permissions are cached across requests and every change to a role is seen at once."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext

from mops.permissions import is_admin

pytestmark = pytest.mark.django_db

PERM = "governance.view_kpiprofile"


def fresh(user):
    """The user as the next request loads it: no per-request caches."""
    return get_user_model().objects.get(pk=user.pk)


def role_queries(check):
    with CaptureQueriesContext(connection) as queries:
        result = check()
    sql = [q["sql"] for q in queries.captured_queries]
    return result, [s for s in sql if "auth_permission" in s or "auth_group" in s]


def test_the_second_request_reads_no_roles_from_the_database(users):
    manager = users["manager"]
    allowed, first = role_queries(lambda: fresh(manager).has_perm(PERM))
    assert allowed and len(first) >= 2
    user = fresh(manager)
    again, second = role_queries(lambda: (user.has_perm(PERM), is_admin(user)))
    assert again == (True, False) and second == []


def test_a_role_given_or_taken_is_seen_by_the_next_request(users):
    marketer = users["marketer"]
    managers = Group.objects.get(name="manager")
    assert not fresh(marketer).has_perm("governance.add_kpiprofile")
    marketer.groups.add(managers)
    assert fresh(marketer).has_perm("governance.add_kpiprofile")
    marketer.groups.remove(managers)
    assert not fresh(marketer).has_perm("governance.add_kpiprofile")


def test_a_permission_taken_from_a_role_is_seen_by_the_next_request(users):
    manager = users["manager"]
    assert fresh(manager).has_perm(PERM)
    permission = Permission.objects.get(codename="view_kpiprofile")
    Group.objects.get(name="manager").permissions.remove(permission)
    assert not fresh(manager).has_perm(PERM)
    manager.user_permissions.add(permission)
    assert fresh(manager).has_perm(PERM)


def test_admin_role_and_superuser_flag_are_seen_by_the_next_request(users):
    ops = users["ops"]
    assert not is_admin(fresh(ops))
    ops.groups.add(Group.objects.get(name="admin"))
    assert is_admin(fresh(ops))
    marketer = users["marketer"]
    assert not fresh(marketer).has_perm("mops.change_team")
    get_user_model().objects.filter(pk=marketer.pk).update(is_superuser=True)  # no signal
    assert fresh(marketer).has_perm("mops.change_team")


def test_a_new_user_never_gets_the_cached_roles_of_a_deleted_one(users):
    manager = users["manager"]
    assert fresh(manager).has_perm(PERM)
    pk = manager.pk
    manager.delete()
    newcomer = get_user_model().objects.create_user(username="newcomer", pk=pk)
    assert not fresh(newcomer).has_perm(PERM)


def test_without_the_cache_roles_come_from_the_database(users, monkeypatch):
    from django.core.cache import cache

    def down(*args, **kwargs):
        raise ConnectionError("cache down")

    monkeypatch.setattr(cache, "get_many", down)
    allowed, queries = role_queries(lambda: fresh(users["manager"]).has_perm(PERM))
    assert allowed and queries
    assert not fresh(users["marketer"]).has_perm("governance.add_kpiprofile")


def test_a_role_change_bumps_again_when_its_transaction_commits(
    users, django_capture_on_commit_callbacks
):
    """A request that read the roles before the commit cached them under the first bump."""
    from django.core.cache import cache

    from mops.role_cache import GENERATION_KEY

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        users["marketer"].groups.add(Group.objects.get(name="manager"))
        before_commit = cache.get(GENERATION_KEY)
    assert before_commit is not None and callbacks
    for callback in callbacks:
        callback()
    assert cache.get(GENERATION_KEY) != before_commit
