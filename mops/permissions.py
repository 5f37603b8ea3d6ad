"""Team-scoped object permissions, on top of django-guardian.

A role (site-wide group) says *what* a user may do; a team says *on which objects*. A user may act
on an object when they hold the model permission through their role and one of their teams (or
they themselves, e.g. as the owner of an action) holds the object permission. Admins (superusers
or members of the admin role) see everything.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import cache
from typing import TYPE_CHECKING, Any, TypeVar, cast

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.db import connection, models
from django.db.models import Model, Q, QuerySet
from django.db.models.expressions import RawSQL
from guardian.models import GroupObjectPermission, UserObjectPermission
from guardian.shortcuts import assign_perm, get_objects_for_user, remove_perm
from guardian.utils import get_group_obj_perms_model, get_user_obj_perms_model

if TYPE_CHECKING:
    from .models import Team

M = TypeVar("M", bound=Model)

DEFAULT_ACTIONS = ("view", "change", "delete")


def is_admin(user: Any) -> bool:
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    if user.is_superuser:
        return True
    if not hasattr(user, "_mops_is_admin"):
        from .role_cache import load_roles

        load_roles(user)
    return bool(user._mops_is_admin)


def _codename(model: type[Model], action: str) -> str:
    return f"{action}_{model._meta.model_name}"


def perm_name(model: type[Model], action: str) -> str:
    return f"{model._meta.app_label}.{_codename(model, action)}"


def grant_team_access(team: Team, obj: Model, actions: Iterable[str] = DEFAULT_ACTIONS) -> None:
    """Give ``team`` the object permissions ``actions`` (view, change, delete…) on ``obj``."""
    for action in actions:
        assign_perm(_codename(type(obj), action), team.group, obj)


def revoke_team_access(team: Team, obj: Model, actions: Iterable[str] = DEFAULT_ACTIONS) -> None:
    for action in actions:
        remove_perm(_codename(type(obj), action), team.group, obj)


def grant_user_access(user: Any, obj: Model, actions: Iterable[str]) -> None:
    """Personal object permissions, e.g. the owner of an action may update it."""
    for action in actions:
        assign_perm(_codename(type(obj), action), user, obj)


def restrict(queryset: QuerySet[M], user: Any, action: str = "view") -> QuerySet[M]:
    """The objects of ``queryset`` that ``user`` may ``action``: the one door every selector uses.

    Objects the user may not see are filtered out (so a detail view answers 404, not 403).
    """
    model = queryset.model
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return queryset.none()
    if is_admin(user):
        return queryset
    if not user.has_perm(perm_name(model, action)):
        return queryset.none()
    granted = _granted(model, user, _codename(model, action))
    if granted is not None:
        return queryset.filter(granted)
    return get_objects_for_user(
        user,
        _codename(model, action),
        klass=queryset,
        accept_global_perms=False,
        with_superuser=False,
    )


def _granted(model: type[Model], user: Any, codename: str) -> Q | None:
    """``pk IN (the user's object permissions) OR pk IN (their groups')`` as two subqueries
    that cast guardian's text ``object_pk`` to the integer key, so the database can hash-join
    them (guardian's own filter casts every row's key to text and re-checks each permission
    against the whole table: 4-7 s on the overview with 10,000 incidents, see BENCHMARKS.md).
    The subqueries are written once as SQL (``_grant_sql``): built through the ORM, their joins
    cost a team member's page a few ms each time, a dozen times a page.
    None when the model's key is not an integer or its permissions are not guardian's generic
    tables: then guardian's query is used as it is."""
    pk = model._meta.pk
    if not isinstance(pk, models.AutoField | models.BigAutoField | models.IntegerField):
        return None
    # guardian looks the class up the same way for querysets (it reads only ``_meta``)
    if get_user_obj_perms_model(cast(Any, model)) is not UserObjectPermission:
        return None
    if get_group_obj_perms_model(cast(Any, model)) is not GroupObjectPermission:
        return None
    params = [ContentType.objects.get_for_model(model).pk, codename, user.pk]
    mine, teams = _grant_sql()
    key = models.BigIntegerField()
    # names from the models' metadata only; the values are parameters
    mine_sql = RawSQL(mine, params, output_field=key)  # noqa: S611
    teams_sql = RawSQL(teams, params, output_field=key)  # noqa: S611
    return Q(pk__in=mine_sql) | Q(pk__in=teams_sql)


@cache
def _grant_sql() -> tuple[str, str]:
    """The keys of the objects a user holds a permission on, themselves and through their
    groups: ``SELECT CAST(object_pk AS BIGINT) …`` taking (content type id, codename, user id)."""
    quote = connection.ops.quote_name
    permission = Permission._meta.db_table
    memberships = get_user_model().groups.through._meta
    own, groups = UserObjectPermission._meta.db_table, GroupObjectPermission._meta.db_table
    granted = (
        "SELECT CAST(o.object_pk AS BIGINT) FROM {table} o INNER JOIN {permission} p "
        "ON o.permission_id = p.id WHERE p.content_type_id = %s AND p.codename = %s AND "
    )
    mine = granted.format(table=quote(own), permission=quote(permission)) + "o.user_id = %s"
    teams = granted.format(table=quote(groups), permission=quote(permission)) + (
        "o.group_id IN (SELECT m.{group} FROM {table} m WHERE m.{user} = %s)".format(  # noqa: S608
            group=quote(memberships.get_field("group").column),
            table=quote(memberships.db_table),
            user=quote(memberships.get_field("user").column),
        )
    )
    return mine, teams


def can(user: Any, action: str, obj: Model) -> bool:
    """Whether ``user`` may ``action`` this object: the role's model and the object permission."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    if is_admin(user):
        return True
    model = type(obj)
    return user.has_perm(perm_name(model, action)) and user.has_perm(perm_name(model, action), obj)
