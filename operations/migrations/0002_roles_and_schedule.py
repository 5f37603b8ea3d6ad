from django.db import migrations

from mops.roles import grant_role_permissions
from operations.roles import ROLE_PERMISSIONS

# name -> (task, schedule); the tasks are looked up by name when beat runs them.
EVERY_MINUTE = {
    "operations: evaluate checks": "operations.tasks.evaluate_checks",
    "operations: escalate incidents": "operations.tasks.escalate_incidents",
    "operations: send due notifications": "operations.tasks.send_due_notifications",
}
DAILY = {"operations: prune check results": "operations.tasks.prune_check_results"}


def roles(apps, schema_editor):
    grant_role_permissions(apps, schema_editor, ROLE_PERMISSIONS)


def schedule(apps, schema_editor):
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    minute, _ = IntervalSchedule.objects.get_or_create(every=1, period="minutes")
    nightly, _ = CrontabSchedule.objects.get_or_create(
        minute="30", hour="4", day_of_week="*", day_of_month="*", month_of_year="*",
        timezone="Asia/Tokyo",
    )
    for name, task in EVERY_MINUTE.items():
        PeriodicTask.objects.update_or_create(
            name=name, defaults={"task": task, "interval": minute, "crontab": None}
        )
    for name, task in DAILY.items():
        PeriodicTask.objects.update_or_create(
            name=name, defaults={"task": task, "crontab": nightly, "interval": None}
        )


def unschedule(apps, schema_editor):
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTask.objects.filter(name__in=[*EVERY_MINUTE, *DAILY]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("operations", "0001_initial"),
        ("mops", "0002_roles_and_schedule"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [
        migrations.RunPython(roles, migrations.RunPython.noop),
        migrations.RunPython(schedule, unschedule),
    ]
