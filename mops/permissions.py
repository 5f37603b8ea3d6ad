"""Team-scoped object permissions, on top of django-guardian.

A role (site-wide group) says *what* a user may do; a team says *on which objects*. A user may act
on an object when they hold the model permission through their role and one of their teams (or
they themselves, e.g. as the owner of an action) holds the object permission. Admins (superusers
or members of the admin role) see everything.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from contextlib import suppress
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Any, TypeVar, cast

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.db import connection, models
from django.db.models import Expression, F, Model, Q, QuerySet
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
    forget_holder(user)


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


def among(queryset: QuerySet[M], lookup: str, visible: QuerySet[Any]) -> QuerySet[M]:
    """``queryset``'s rows whose ``lookup`` (a relation) is one of ``visible``'s objects, where
    ``visible`` is what ``restrict`` (or a selector built on it) lets a user see. When that is
    every object (an admin's, unfiltered) nothing is filtered: the subquery would change no row
    and cost its compilation (0.6 ms on the triage board's event feed)."""
    if not visible.query.has_filters():
        return queryset
    return queryset.filter(**{f"{lookup}__in": visible.values("pk")})


def _granted(model: type[Model], user: Any, codename: str) -> Q | None:
    """``EXISTS`` (the user holds the permission on the object) ``OR EXISTS`` (one of their
    groups does), each one probe of guardian's unique (holder, permission, object_pk) key per
    object, with the permission's id and the user's groups as parameters (:class:`Granted`).

    Guardian's own filter casts every row's key to text and re-checks each permission against
    the whole table (4-7 s on the overview with 10,000 incidents, see BENCHMARKS.md). Written as
    ``pk IN (the keys granted)`` with the permission and the groups joined in, PostgreSQL could
    not tell how many keys that is and hashed all of them on every query: 6-9 ms for a team
    holding 10,000 incidents, where the triage board's hundred rows need a hundred probes
    (0.4-0.7 ms). The personal grants are asked for only when the user holds some on this
    permission (a condition in ``OR`` cannot become a join, and most users hold none).
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
    granted = Q(pk__in=[])  # nothing
    permission = _permission_id(ContentType.objects.get_for_model(model).pk, codename)
    if permission is None:
        return granted
    holder = _holder(user)
    if holder.groups:
        granted |= Q(Granted(GroupObjectPermission, "group_id", holder.groups, permission))
    if permission in holder.own:
        granted |= Q(Granted(UserObjectPermission, "user_id", [user.pk], permission))
    return granted


class Granted(Expression):
    """``EXISTS (SELECT 1 FROM <guardian's table> WHERE permission_id = %s AND <holder> IN (…)
    AND object_pk = CAST(<the object's key> AS varchar))``: written as SQL (built through the
    ORM, such a subquery costs a page a few ms to compile, a dozen times a page), with the
    object's key compiled as a column of the outer query, so it stays right when that query is
    itself nested (Django renames the tables of a subquery)."""

    conditional = True

    def __init__(self, table: type[Model], holder: str, holders: Iterable[int], permission: int):
        super().__init__(output_field=models.BooleanField())
        self.table, self.holder = table, holder
        self.holders, self.permission = list(holders), permission
        self.key: Any = F("pk")

    def get_source_expressions(self) -> list[Any]:
        return [self.key]

    def set_source_expressions(self, exprs: Sequence[Any]) -> None:
        (self.key,) = exprs

    def as_sql(self, compiler: Any, connection: Any) -> tuple[str, tuple[Any, ...]]:
        key, key_params = compiler.compile(self.key)
        quote = connection.ops.quote_name
        holders = ", ".join("%s" for _ in self.holders)
        sql = (
            f"EXISTS (SELECT 1 FROM {quote(self.table._meta.db_table)} g WHERE "  # noqa: S608
            f"g.permission_id = %s AND g.{quote(self.holder)} IN ({holders}) AND "
            f"g.object_pk = CAST({key} AS varchar))"
        )
        return sql, (self.permission, *self.holders, *key_params)


# (content type id, codename) -> the permission's id; permissions are made by ``migrate`` (and
# again by a test database's flush), whose ``post_migrate`` empties this (``forget_permissions``)
_permission_ids: dict[tuple[int, str], int] = {}


def _permission_id(content_type: int, codename: str) -> int | None:
    key = (content_type, codename)
    if key not in _permission_ids:
        found = Permission.objects.filter(content_type_id=content_type, codename=codename)
        pk = found.values_list("pk", flat=True).first()
        if pk is None:
            return None
        _permission_ids[key] = pk
    return _permission_ids[key]


def forget_permissions(**_: Any) -> None:
    """Empty the permission ids read so far (a ``post_migrate`` receiver, hence ``**_``)."""
    _permission_ids.clear()


@dataclass(frozen=True)
class _Holder:
    """A user's groups and the permissions they hold on some object themselves."""

    groups: tuple[int, ...]
    own: frozenset[int]


def _holder(user: Any) -> _Holder:
    """Read once per user object (one query), like Django's own permission caches; forgotten
    when :func:`grant_user_access` grants that object a permission or its groups change."""
    holder = getattr(user, "_mops_holder", None)  # request.user is a lazy object: no __dict__
    if holder is None:
        with connection.cursor() as cursor:
            cursor.execute(_holder_sql(), [user.pk, user.pk])
            rows = cursor.fetchall()
        holder = _Holder(
            groups=tuple(sorted(pk for kind, pk in rows if kind == 0)),
            own=frozenset(pk for kind, pk in rows if kind == 1),
        )
        user._mops_holder = holder
    return holder


def forget_holder(user: Any) -> None:
    """Forget what ``restrict`` read of this user object's groups and personal grants."""
    with suppress(AttributeError):
        del user._mops_holder


def groups_changed(instance: Any, **_: Any) -> None:
    """``m2m_changed`` of the users' groups: ``user.groups.add(…)`` forgets that user's."""
    if isinstance(instance, get_user_model()):
        forget_holder(instance)


@cache
def _holder_sql() -> str:
    """(0, group id) for each of the user's groups, (1, permission id) for each permission they
    hold on some object themselves; taking (user id, user id)."""
    quote = connection.ops.quote_name
    memberships = get_user_model().groups.through._meta
    # names from the models' metadata only; the values are parameters
    return (  # noqa: S608
        "SELECT 0, m.{group} FROM {table} m WHERE m.{user} = %s UNION ALL "
        "SELECT DISTINCT 1, o.permission_id FROM {own} o WHERE o.user_id = %s"
    ).format(
        group=quote(memberships.get_field("group").column),
        table=quote(memberships.db_table),
        user=quote(memberships.get_field("user").column),
        own=quote(UserObjectPermission._meta.db_table),
    )


def can(user: Any, action: str, obj: Model) -> bool:
    """Whether ``user`` may ``action`` this object: the role's model and the object permission."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    if is_admin(user):
        return True
    model = type(obj)
    return user.has_perm(perm_name(model, action)) and user.has_perm(perm_name(model, action), obj)
