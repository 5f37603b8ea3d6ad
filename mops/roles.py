"""Which model permissions each site-wide role has.

Roles are groups created by data migrations. Each app declares its part of the matrix in its own
migration by calling :func:`grant_role_permissions` with a mapping like ``CORE_ROLE_PERMISSIONS``.
The admin role is given every permission that exists when a migration runs.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

ROLE_NAMES = ("marketer", "ops", "manager", "admin")

CORE_ROLE_PERMISSIONS: dict[str, Sequence[str]] = {
    "marketer": ["mops.view_team", "mops.view_apitoken", "mops.add_apitoken"],
    "ops": ["mops.view_team", "mops.view_apitoken", "mops.add_apitoken"],
    "manager": ["mops.view_team", "mops.view_apitoken", "mops.add_apitoken"],
}


def grant_role_permissions(
    apps: Any, schema_editor: Any, mapping: Mapping[str, Sequence[str]]
) -> None:
    """Create the role groups if needed and add the listed ``app_label.codename`` permissions.

    Runs ``create_permissions`` first: on a fresh database the permissions of the apps migrated
    so far do not exist yet when data migrations run.
    """
    from django.contrib.auth.management import create_permissions

    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    groups = {name: Group.objects.get_or_create(name=name)[0] for name in ROLE_NAMES}
    for role, perms in mapping.items():
        for dotted in perms:
            app_label, codename = dotted.split(".", 1)
            perm = Permission.objects.get(content_type__app_label=app_label, codename=codename)
            groups[role].permissions.add(perm)
    groups["admin"].permissions.add(*Permission.objects.all())


# app label -> mapping; apps register theirs in AppConfig.ready() (see register_role_permissions)
_REGISTERED: dict[str, Mapping[str, Sequence[str]]] = {"mops": CORE_ROLE_PERMISSIONS}


def register_role_permissions(app_label: str, mapping: Mapping[str, Sequence[str]]) -> None:
    _REGISTERED[app_label] = mapping


def sync_roles(sender: Any = None, using: str = "default", **kwargs: Any) -> None:
    """post_migrate: every role group holds its declared permissions, admin holds all.

    Runs once per migrate, after the last app's permissions exist. It also restores the roles
    after a test database flush, which deletes what the data migrations created.
    """
    from django.apps import apps
    from django.contrib.auth.models import Group, Permission

    # post_migrate is sent once per app that has a models module: act on the last one.
    with_models = [config for config in apps.get_app_configs() if config.models_module]
    if sender is not None and sender.label != with_models[-1].label:
        return
    groups = {name: Group.objects.using(using).get_or_create(name=name)[0] for name in ROLE_NAMES}
    by_name = {
        f"{app_label}.{codename}": pk
        for pk, app_label, codename in Permission.objects.using(using).values_list(
            "pk", "content_type__app_label", "codename"
        )
    }
    for mapping in _REGISTERED.values():
        for role, perms in mapping.items():
            groups[role].permissions.add(*(by_name[p] for p in perms if p in by_name))
    groups["admin"].permissions.add(*by_name.values())
