from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OperationsConfig(AppConfig):
    name = "operations"
    verbose_name = _("Operations")

    def ready(self) -> None:
        from mops.registry import demo_seeders
        from mops.roles import register_role_permissions

        from . import api, roles
        from .demo import incidents, inventory, runbooks

        register_role_permissions("operations", roles.ROLE_PERMISSIONS)
        api.register()
        # Order matters: runbooks link tools; incidents link tools, checks and runbooks.
        demo_seeders.register("operations.inventory", inventory.seed)
        demo_seeders.register("operations.runbooks", runbooks.seed)
        demo_seeders.register("operations.incidents", incidents.seed)
