"""MetricFact keyed by its natural key (campaign, date, metric, source), without the surrogate id.

The unique constraint becomes the primary key: one B-tree instead of two and no identity
sequence, which makes a bulk COPY of facts about a third faster (BENCHMARKS.md). Django does not
alter a primary key into a composite one, so the tables are changed by hand: PostgreSQL in place,
SQLite by copying into a new table (SQLite cannot change a primary key).
"""

from django.db import migrations, models

POSTGRESQL = [
    "ALTER TABLE analytics_metricfact DROP COLUMN id",
    "ALTER TABLE analytics_metricfact DROP CONSTRAINT metricfact_key",
    "ALTER TABLE analytics_metricfact ADD CONSTRAINT analytics_metricfact_pkey "
    "PRIMARY KEY (campaign_id, date, metric_id, source)",
]
COLUMNS = '"campaign_id", "date", "metric_id", "source", "value", "batch_id"'
SQLITE = [
    'CREATE TABLE "analytics_metricfact_new" ("campaign_id" bigint NOT NULL, "date" date NOT '
    'NULL, "metric_id" bigint NOT NULL, "source" varchar(32) NOT NULL, "value" real NOT NULL, '
    '"batch_id" bigint NULL, PRIMARY KEY ("campaign_id", "date", "metric_id", "source"))',
    f'INSERT INTO "analytics_metricfact_new" ({COLUMNS}) SELECT {COLUMNS} FROM '
    '"analytics_metricfact"',
    'DROP TABLE "analytics_metricfact"',
    'ALTER TABLE "analytics_metricfact_new" RENAME TO "analytics_metricfact"',
]


def natural_key(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor not in ("postgresql", "sqlite"):
        raise RuntimeError(f"no migration of the fact table's primary key for {vendor}")
    for statement in POSTGRESQL if vendor == "postgresql" else SQLITE:
        schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("analytics", "0005_metricfact_fks_without_constraints")]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[migrations.RunPython(natural_key, elidable=False)],
            state_operations=[
                migrations.RemoveConstraint(model_name="metricfact", name="metricfact_key"),
                migrations.RemoveField(model_name="metricfact", name="id"),
                migrations.AddField(
                    model_name="metricfact",
                    name="pk",
                    field=models.CompositePrimaryKey(
                        "campaign_id",
                        "date",
                        "metric_id",
                        "source",
                        blank=True,
                        editable=False,
                        primary_key=True,
                        serialize=False,
                    ),
                ),
            ],
        )
    ]
