from django.db import migrations

from mops.roles import grant_role_permissions

# Frozen here (not read from analytics.roles) so later changes to the matrix don't rewrite history.
READ = [
    "analytics.view_kpi",
    "analytics.view_kpivalue",
    "analytics.view_anomaly",
    "analytics.view_columnmap",
]
ROLE_PERMISSIONS = {
    "marketer": [*READ, "analytics.add_columnmap", "analytics.change_columnmap"],
    "ops": READ,
    "manager": [
        *READ,
        "analytics.add_kpi",
        "analytics.change_kpi",
        "analytics.add_columnmap",
        "analytics.change_columnmap",
    ],
}


def roles(apps, schema_editor):
    grant_role_permissions(apps, schema_editor, ROLE_PERMISSIONS)


def schedule_reconcile(apps, schema_editor):
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    nightly, _ = CrontabSchedule.objects.get_or_create(
        minute="30",
        hour="2",
        day_of_week="*",
        day_of_month="*",
        month_of_year="*",
        timezone="Asia/Tokyo",
    )
    PeriodicTask.objects.update_or_create(
        name="analytics: reconcile KPIs and anomalies",
        defaults={"task": "analytics.tasks.reconcile_kpis", "crontab": nightly},
    )


def unschedule_reconcile(apps, schema_editor):
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTask.objects.filter(name="analytics: reconcile KPIs and anomalies").delete()


class Migration(migrations.Migration):
    dependencies = [
        ("analytics", "0003_kpi_anomaly_columnmap_plan"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [
        migrations.RunPython(roles, migrations.RunPython.noop),
        migrations.RunPython(schedule_reconcile, unschedule_reconcile),
    ]
