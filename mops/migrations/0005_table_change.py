from django.db import migrations, models

PRUNE = "mops: prune table changes"


def schedule_pruning(apps, schema_editor):
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    every_ten, _ = IntervalSchedule.objects.get_or_create(every=10, period="minutes")
    PeriodicTask.objects.update_or_create(
        name=PRUNE,
        defaults={"task": "mops.tasks.prune_table_changes", "interval": every_ten, "crontab": None},
    )


def unschedule_pruning(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name=PRUNE).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("mops", "0004_schedule_backups"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [
        migrations.CreateModel(
            name="TableChange",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("table", models.CharField(max_length=63)),
                (
                    "xid",
                    models.BigIntegerField(
                        help_text="The writing transaction's id (pg_current_xact_id)."
                    ),
                ),
            ],
            options={
                "constraints": [
                    models.UniqueConstraint(fields=("table", "xid"), name="unique_table_change")
                ],
            },
        ),
        migrations.RunPython(schedule_pruning, unschedule_pruning),
    ]
