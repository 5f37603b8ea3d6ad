"""The analytics part of the role matrix (used by its data migrations and post_migrate sync)."""

# Every role reads KPI definitions, their values, anomalies and saved column maps.
_READ_KPIS = [
    "analytics.view_kpi",
    "analytics.view_kpivalue",
    "analytics.view_anomaly",
    "analytics.view_columnmap",
]

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
        *_READ_KPIS,
        "analytics.add_columnmap",
        "analytics.change_columnmap",
    ],
    "ops": [
        "analytics.view_campaign",
        "analytics.view_metric",
        "analytics.view_metricfact",
        "analytics.view_importbatch",
        *_READ_KPIS,
    ],
    "manager": [
        "analytics.view_campaign",
        "analytics.add_campaign",
        "analytics.change_campaign",
        "analytics.view_metric",
        "analytics.view_metricfact",
        "analytics.add_metricfact",
        "analytics.view_importbatch",
        *_READ_KPIS,
        "analytics.add_kpi",
        "analytics.change_kpi",
        "analytics.add_columnmap",
        "analytics.change_columnmap",
    ],
}
