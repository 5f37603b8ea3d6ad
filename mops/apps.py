from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MopsConfig(AppConfig):
    name = "mops"
    verbose_name = _("Core")

    def ready(self) -> None:
        from django.contrib.auth import get_user_model
        from django.db.models.signals import m2m_changed, post_migrate

        from . import signals
        from .permissions import forget_permissions, groups_changed
        from .role_cache import connect_invalidation
        from .roles import sync_roles
        from .table_changes import install as install_triggers

        connect_invalidation()
        post_migrate.connect(forget_permissions, dispatch_uid="mops.forget_permissions")
        m2m_changed.connect(
            groups_changed, sender=get_user_model().groups.through, dispatch_uid="mops.holder"
        )

        post_migrate.connect(install_triggers, dispatch_uid="mops.table_changes")
        # Every app's permissions exist only after its own migrations: sync the roles last.
        post_migrate.connect(sync_roles, dispatch_uid="mops.sync_roles")
        assert signals
