from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AnalyticsConfig(AppConfig):
    name = "analytics"
    verbose_name = _("Analytics")

    def ready(self) -> None:
        from mops.registry import Panel, api_routes, overview_panels
        from mops.roles import register_role_permissions

        from . import roles
        from .api.views import CampaignViewSet, MetricViewSet
        from .overview import recent_imports_panel

        api_routes.register("metrics", (MetricViewSet, "metric"))
        api_routes.register("campaigns", (CampaignViewSet, "campaign"))
        register_role_permissions("analytics", roles.ROLE_PERMISSIONS)
        overview_panels.register(
            "analytics.recent_imports",
            Panel(recent_imports_panel, frozenset({"overview", "analytics"})),
        )
        self._connect_kpi_recompute()
        self._connect_integrity_locks()

    def _connect_integrity_locks(self) -> None:
        """Deleting a campaign, metric or batch waits for the loads that reference it."""
        from django.db.models.signals import pre_delete

        from .integrity import lock_before_delete
        from .models import Campaign, ImportBatch, Metric

        for model in (Campaign, Metric, ImportBatch):
            pre_delete.connect(
                lock_before_delete, sender=model, dispatch_uid=f"analytics.lock.{model.__name__}"
            )

    def _connect_kpi_recompute(self) -> None:
        """After each load, recompute the touched KPI periods and anomalies; seed demo data."""
        from mops.registry import demo_seeders

        from .demo import seed_analytics_demo
        from .signals import facts_changed
        from .tasks import on_facts_changed

        facts_changed.connect(on_facts_changed, dispatch_uid="analytics.recompute_touched")
        demo_seeders.register("analytics", seed_analytics_demo)
