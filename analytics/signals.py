"""Signals sent by the loader, so that follow-up work (KPI recompute) stays out of it."""

from django.dispatch import Signal

# Sent after a load's transaction commits, when it created or updated at least one fact.
# kwargs: batch (ImportBatch), campaign_ids (frozenset[int]), date_from (date), date_to (date)
facts_changed = Signal()
