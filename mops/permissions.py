"""Team-scoped object permissions, on top of django-guardian.

A role (site-wide group) says *what* a user may do; a team says *on which objects*. A user may act
on an object when they hold the model permission through their role and one of their teams (or
they themselves, e.g. as the owner of an action) holds the object permission. Admins (superusers
or members of the admin role) see everything.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, TypeVar

from django.db.models import Model, QuerySet
from guardian.shortcuts import assign_perm, get_objects_for_user, remove_perm

if TYPE_CHECKING:
    from .models import Team

M = TypeVar("M", bound=Model)

DEFAULT_ACTIONS = ("view", "change", "delete")


def is_admin(user: Any) -> bool:
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    if user.is_superuser:
        return True
    cached = getattr(user, "_mops_is_admin", None)
    if cached is None:
        cached = user.groups.filter(name="admin").exists()
        user._mops_is_admin = cached
    return cached


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
    return get_objects_for_user(
        user,
        _codename(model, action),
        klass=queryset,
        accept_global_perms=False,
        with_superuser=False,
    )


def can(user: Any, action: str, obj: Model) -> bool:
    """Whether ``user`` may ``action`` this object: the role's model and the object permission."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    if is_admin(user):
        return True
    model = type(obj)
    return user.has_perm(perm_name(model, action)) and user.has_perm(perm_name(model, action), obj)
