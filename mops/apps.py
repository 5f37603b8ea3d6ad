from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MopsConfig(AppConfig):
    name = "mops"
    verbose_name = _("Core")

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from . import signals
        from .roles import grant_admin_everything

        # Every app's permissions exist only after its own migrations: top up the admin role last.
        post_migrate.connect(grant_admin_everything, dispatch_uid="mops.grant_admin_everything")
        assert signals
