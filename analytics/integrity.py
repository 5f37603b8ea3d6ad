"""Referential integrity of the fact table without per-row foreign-key triggers.

``MetricFact``'s campaign, metric and batch columns have no database constraint (a fact load
would pay one trigger call per fact and key; see the model's docstring). Two locks take their
place on PostgreSQL, so a delete and a load of the same campaign, metric or batch run one after
the other and neither can leave a fact pointing at a deleted row:

- a load locks the rows it references ``FOR KEY SHARE`` once, in its transaction, before
  writing (``lock_references``), and stops with ``IntegrityError`` if one is gone;
- a delete of a campaign, metric or batch locks the row ``FOR UPDATE`` before Django's collector
  deletes (or protects, or nulls) its facts (``lock_before_delete``, a ``pre_delete`` receiver):
  it waits for running loads to commit, then sees their facts.

SQLite serialises writers, so it needs neither lock; it only gets the check that the referenced
rows exist.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import IntegrityError, connection, connections, models
from django.db.models import ProtectedError
from django.utils.translation import gettext as _


def lock_references(
    *, campaign_ids: Iterable[int], metric_ids: Iterable[int], batch_id: int | None
) -> None:
    """Lock the campaigns, metrics and batch a load writes ``FOR KEY SHARE`` (PostgreSQL), or
    check that they exist (SQLite). Call inside the load's transaction, before writing."""
    from .models import Campaign, ImportBatch, Metric

    wanted: list[tuple[type[models.Model], list[int]]] = [
        (Campaign, sorted({int(i) for i in campaign_ids})),
        (Metric, sorted({int(i) for i in metric_ids})),
    ]
    if batch_id is not None:
        wanted.append((ImportBatch, [int(batch_id)]))
    postgres = connection.vendor == "postgresql"
    with connection.cursor() as cursor:
        for model, ids in wanted:
            if not ids:
                continue
            table = model._meta.db_table
            if postgres:
                cursor.execute(
                    f"SELECT id FROM {table} WHERE id = ANY(%s) FOR KEY SHARE",  # noqa: S608
                    [ids],
                )
            else:
                cursor.execute(
                    f"SELECT id FROM {table} WHERE id IN ({', '.join('%s' for _ in ids)})",  # noqa: S608
                    ids,
                )
            missing = set(ids) - {row[0] for row in cursor.fetchall()}
            if missing:
                raise IntegrityError(
                    _("%(model)s %(ids)s was deleted while facts were being loaded.")
                    % {
                        "model": model._meta.verbose_name,
                        "ids": ", ".join(str(i) for i in sorted(missing)),
                    }
                )


def lock_before_delete(sender: type[models.Model], instance: Any, using: str, **kwargs: Any):
    """``pre_delete`` of Campaign, Metric and ImportBatch: lock the row ``FOR UPDATE`` first, so
    the delete waits for loads that reference it; a metric is then checked for facts again (a
    load may have committed some since the collector's PROTECT check)."""
    from .models import Metric, MetricFact

    if connections[using].vendor != "postgresql" or instance.pk is None:
        return
    list(sender._base_manager.using(using).filter(pk=instance.pk).select_for_update())
    if sender is Metric:
        facts = MetricFact.objects.using(using).filter(metric_id=instance.pk)
        if facts.exists():
            raise ProtectedError(
                _("Cannot delete the metric: facts were loaded for it."), set(facts[:1])
            )
