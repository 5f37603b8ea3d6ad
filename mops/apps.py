from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MopsConfig(AppConfig):
    name = "mops"
    verbose_name = _("Core")

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from . import signals
        from .role_cache import connect_invalidation
        from .roles import sync_roles

        connect_invalidation()

        # Every app's permissions exist only after its own migrations: sync the roles last.
        post_migrate.connect(sync_roles, dispatch_uid="mops.sync_roles")
        assert signals
