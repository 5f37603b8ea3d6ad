from django.db import migrations

from mops.roles import CORE_ROLE_PERMISSIONS, grant_role_permissions


def create_roles(apps, schema_editor):
    grant_role_permissions(apps, schema_editor, CORE_ROLE_PERMISSIONS)


def schedule_housekeeping(apps, schema_editor):
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    nightly, _ = CrontabSchedule.objects.get_or_create(
        minute="15", hour="3", day_of_week="*", day_of_month="*", month_of_year="*",
        timezone="Asia/Tokyo",
    )
    PeriodicTask.objects.update_or_create(
        name="mops: clear expired sessions",
        defaults={"task": "mops.tasks.clear_expired_sessions", "crontab": nightly},
    )


class Migration(migrations.Migration):
    dependencies = [
        ("mops", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("guardian", "0001_initial"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [
        migrations.RunPython(create_roles, migrations.RunPython.noop),
        migrations.RunPython(schedule_housekeeping, migrations.RunPython.noop),
    ]
