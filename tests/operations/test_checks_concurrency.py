"""Two workers never evaluate the same check: a check locked by one is skipped by the other."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, transaction
from django.utils import timezone

from operations.models import Check
from operations.services.evaluation import claim_due_checks

from .inventory_factories import make_check


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_check_locked_by_another_worker_is_skipped(teams):
    locked, other = (
        make_check(teams["marketing-ops"], name="A"),
        make_check(teams["marketing-ops"], name="B"),
    )
    holding, release = threading.Event(), threading.Event()

    def worker() -> None:
        try:
            with transaction.atomic():
                list(Check.objects.select_for_update().filter(pk=locked.pk))
                holding.set()
                release.wait(10)
        finally:
            connection.close()

    thread = threading.Thread(target=worker)
    thread.start()
    assert holding.wait(10)
    try:
        assert claim_due_checks(timezone.now()) == [other.pk]  # no waiting, no double claim
    finally:
        release.set()
        thread.join()
    assert claim_due_checks(timezone.now()) == [locked.pk]
