from django.db import migrations


def schedule_backups(apps, schema_editor):
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
        name="mops: back up the database",
        defaults={"task": "mops.tasks.back_up_database", "crontab": nightly},
    )


def unschedule_backups(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(
        name="mops: back up the database"
    ).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("mops", "0003_operations_write_scope"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(schedule_backups, unschedule_backups)]
