"""The analytics part of the role matrix (used by its data migration and post_migrate sync)."""

ROLE_PERMISSIONS = {
    "marketer": [
        "analytics.view_campaign",
        "analytics.add_campaign",
        "analytics.change_campaign",
        "analytics.view_metric",
        "analytics.view_metricfact",
        "analytics.add_metricfact",
        "analytics.view_importbatch",
        "analytics.add_importbatch",
    ],
    "ops": [
        "analytics.view_campaign",
        "analytics.view_metric",
        "analytics.view_metricfact",
        "analytics.view_importbatch",
    ],
    "manager": [
        "analytics.view_campaign",
        "analytics.add_campaign",
        "analytics.change_campaign",
        "analytics.view_metric",
        "analytics.view_metricfact",
        "analytics.add_metricfact",
        "analytics.view_importbatch",
    ],
}
