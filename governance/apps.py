from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class GovernanceConfig(AppConfig):
    name = "governance"
    verbose_name = _("Governance")

    def ready(self) -> None:
        from mops.registry import Panel, api_routes, demo_seeders, overview_panels, tool_sections
        from mops.roles import register_role_permissions

        from . import roles
        from .api import views as api
        from .demo import seed_governance
        from .overview import feedback_for_operations_panel, governance_panel
        from .views.skills import tool_skills_section

        register_role_permissions("governance", roles.ROLE_PERMISSIONS)
        overview_panels.register(
            "governance.attention", Panel(governance_panel, frozenset({"overview"}))
        )
        overview_panels.register(
            "governance.feedback_ops",
            Panel(feedback_for_operations_panel, frozenset({"overview", "operations"})),
        )
        tool_sections.register("governance.skills", tool_skills_section)
        # After analytics' seeder (apps are ready in INSTALLED_APPS order): KPIs and facts exist.
        demo_seeders.register("governance", seed_governance)
        api_routes.register("strategies", (api.StrategyViewSet, "strategy"))
        api_routes.register("plans", (api.PlanViewSet, "plan"))
        api_routes.register("actions", (api.ActionViewSet, "action"))
        api_routes.register("kpis", (api.KpiViewSet, "kpi"))
        api_routes.register("reviews", (api.ReviewViewSet, "review"))
        api_routes.register("feedback", (api.FeedbackViewSet, "feedback"))
        api_routes.register("skills", (api.SkillViewSet, "skill"))
