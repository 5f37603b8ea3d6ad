from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AnalyticsConfig(AppConfig):
    name = "analytics"
    verbose_name = _("Analytics")

    def ready(self) -> None:
        from mops.registry import api_routes, overview_panels
        from mops.roles import register_role_permissions

        from . import roles
        from .api.views import CampaignViewSet, MetricViewSet
        from .overview import recent_imports_panel

        api_routes.register("metrics", (MetricViewSet, "metric"))
        api_routes.register("campaigns", (CampaignViewSet, "campaign"))
        register_role_permissions("analytics", roles.ROLE_PERMISSIONS)
        overview_panels.register("analytics.recent_imports", recent_imports_panel)
