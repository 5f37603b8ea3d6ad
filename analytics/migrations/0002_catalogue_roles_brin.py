from django.db import migrations

from mops.roles import grant_role_permissions

METRICS = [
    # key, name, Japanese name, unit, money
    ("impressions", "Impressions", "表示回数", "", False),
    ("clicks", "Clicks", "クリック数", "", False),
    ("cost", "Cost", "費用", "currency", True),
    ("conversions", "Conversions", "コンバージョン", "", False),
    ("revenue", "Revenue", "売上", "currency", True),
    ("sessions", "Sessions", "セッション", "", False),
    ("leads", "Leads", "リード", "", False),
]

def catalogue(apps, schema_editor):
    Metric = apps.get_model("analytics", "Metric")
    for key, name, name_ja, unit, money in METRICS:
        Metric.objects.update_or_create(
            key=key,
            defaults={"name": name, "name_ja": name_ja, "unit": unit, "is_currency": money,
                      "min_value": 0},
        )


# The role matrix as it was when this migration was written (later ones add to it): a migration
# must not read the live analytics.roles, whose newer permissions do not exist yet here.
ROLE_PERMISSIONS = {
    "marketer": [
        "analytics.view_campaign", "analytics.add_campaign", "analytics.change_campaign",
        "analytics.view_metric", "analytics.view_metricfact", "analytics.add_metricfact",
        "analytics.view_importbatch", "analytics.add_importbatch",
    ],
    "ops": [
        "analytics.view_campaign", "analytics.view_metric", "analytics.view_metricfact",
        "analytics.view_importbatch",
    ],
    "manager": [
        "analytics.view_campaign", "analytics.add_campaign", "analytics.change_campaign",
        "analytics.view_metric", "analytics.view_metricfact", "analytics.add_metricfact",
        "analytics.view_importbatch",
    ],
}


def roles(apps, schema_editor):
    grant_role_permissions(apps, schema_editor, ROLE_PERMISSIONS)


def brin(apps, schema_editor):
    # Facts arrive in date order: a BRIN index prunes date ranges at a tiny size (PostgreSQL).
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            "CREATE INDEX IF NOT EXISTS metricfact_date_brin ON analytics_metricfact "
            "USING brin (date)"
        )


class Migration(migrations.Migration):
    dependencies = [("analytics", "0001_initial"), ("mops", "0002_roles_and_schedule")]

    operations = [
        migrations.RunPython(catalogue, migrations.RunPython.noop),
        migrations.RunPython(roles, migrations.RunPython.noop),
        migrations.RunPython(brin, migrations.RunPython.noop),
    ]
