"""Tasks run on a real worker over Redis (CI's second pass), and eagerly without REDIS_URL."""

import pytest
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.utils import timezone

from mops.tasks import clear_expired_sessions


def _expired_session() -> str:
    store = SessionStore()
    store["x"] = 1
    store.create()
    Session.objects.filter(session_key=store.session_key).update(
        expire_date=timezone.now() - timezone.timedelta(days=1)
    )
    return store.session_key


@pytest.mark.worker
def test_task_runs_on_a_real_worker(celery_worker, settings):
    assert settings.CELERY_TASK_ALWAYS_EAGER is False
    key = _expired_session()
    result = clear_expired_sessions.delay()
    result.get(timeout=30)
    assert result.successful()
    assert not Session.objects.filter(session_key=key).exists()


@pytest.mark.django_db
def test_task_runs_eagerly_without_a_broker(settings):
    if settings.REDIS_URL:
        pytest.skip("eager mode is the embedded default only")
    key = _expired_session()
    clear_expired_sessions.delay()
    assert not Session.objects.filter(session_key=key).exists()
