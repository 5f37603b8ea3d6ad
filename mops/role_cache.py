"""A user's role permissions, cached across requests.

Every page checks the user's role (model) permissions and whether they hold the admin role:
Django's ``ModelBackend`` reads them with two queries per request and ``is_admin`` with a third,
about 2 ms on PostgreSQL, for what changes a few times a year. They are cached under the user's
id and superuser flag together with a generation number; any change that can alter a role
(a user's groups or own permissions, a group's permissions, a group, a permission or a user
created, renamed or deleted) increments the generation, so the next request of every process
sharing the cache reads them again. The cache is Redis when ``REDIS_URL`` is set (shared by all
processes); the embedded default runs one process with its own memory cache.

Entries also expire after ``TIMEOUT`` seconds, for changes made outside the ORM (raw SQL). If the
cache fails, the permissions are read from the database as Django does.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from django.contrib.auth.backends import ModelBackend
from django.core.cache import cache
from django.db import transaction

logger = logging.getLogger(__name__)

GENERATION_KEY = "mops:roles:generation"
TIMEOUT = 600
ADMIN_ROLE = "admin"
_LOADED = ("_user_perm_cache", "_group_perm_cache", "_mops_is_admin")


def _entry_key(user: Any) -> str:
    return f"mops:roles:user:{user.pk}:{int(user.is_superuser)}"


def _bump() -> None:
    try:
        cache.incr(GENERATION_KEY)
    except ValueError:  # not set yet, or evicted: a number no earlier generation had
        cache.set(GENERATION_KEY, time.time_ns(), None)
    except Exception:
        logger.exception("could not invalidate the cached roles")


def bump_generation(**_: Any) -> None:
    """Every cached role is stale from now on (a signal receiver, hence ``**_``).

    Bumped at once and again when the transaction commits: a request that read the roles from
    the database between the two saw the old ones and cached them under the first bump's
    generation, which the second makes stale.
    """
    _bump()
    transaction.on_commit(_bump)


def _read(user: Any) -> tuple[set[str], set[str], bool]:
    """From the database, as ``ModelBackend`` and ``is_admin`` would."""
    backend = ModelBackend()
    user_perms = backend.get_user_permissions(user)
    group_perms = backend.get_group_permissions(user)
    admin = user.groups.filter(name=ADMIN_ROLE).exists()
    return set(user_perms), set(group_perms), admin


def load_roles(user: Any) -> None:
    """Set the user's permission caches for this request, from the shared cache when it is
    current (one round trip), else from the database (then cached)."""
    key = _entry_key(user)
    try:
        found = cache.get_many([GENERATION_KEY, key])
    except Exception:
        logger.exception("role cache unavailable: reading roles from the database")
        found = None
    generation = found.get(GENERATION_KEY, 0) if found is not None else None
    entry = found.get(key) if found is not None else None
    if entry is not None and entry[0] == generation:
        user_perms, group_perms, admin = entry[1], entry[2], entry[3]
    else:
        user_perms, group_perms, admin = _read(user)
        if found is not None:
            try:
                cache.set(key, (generation, user_perms, group_perms, admin), TIMEOUT)
            except Exception:
                logger.exception("could not cache the roles")
    user._user_perm_cache, user._group_perm_cache, user._mops_is_admin = (
        user_perms,
        group_perms,
        admin,
    )


class CachedRolesBackend(ModelBackend):
    """``ModelBackend`` whose role permissions come from :func:`load_roles`."""

    def _get_permissions(self, user_obj: Any, obj: Any, from_name: str) -> set[str]:
        if not user_obj.is_active or user_obj.is_anonymous or obj is not None:
            return set()
        if not all(hasattr(user_obj, name) for name in _LOADED):
            load_roles(user_obj)
        return getattr(user_obj, f"_{from_name}_perm_cache")


def connect_invalidation() -> None:
    """Bump the generation on every change that can alter a role (called from ``ready``)."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group, Permission
    from django.db.models.signals import m2m_changed, post_delete, post_migrate, post_save

    user: Any = get_user_model()
    for through in (user.groups.through, user.user_permissions.through, Group.permissions.through):
        m2m_changed.connect(bump_generation, sender=through, dispatch_uid=f"roles-{through}")
    roles: tuple[Any, ...] = (Group, Permission)
    for model in roles:
        post_save.connect(bump_generation, sender=model, dispatch_uid=f"roles-save-{model}")
    for model in (*roles, user):
        post_delete.connect(bump_generation, sender=model, dispatch_uid=f"roles-del-{model}")
    post_save.connect(_user_saved, sender=user, dispatch_uid="roles-user-created")
    post_migrate.connect(bump_generation, dispatch_uid="roles-migrate")


def _user_saved(sender: Any, instance: Any, created: bool, **_: Any) -> None:
    """A new user may take the id of a deleted one (SQLite reuses ids)."""
    if created:
        bump_generation()
