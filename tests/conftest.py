"""Shared fixtures: one user per role in their teams, API clients, tokens, a real Celery worker."""

from __future__ import annotations

import os

import pytest
from django.conf import settings
from rest_framework.test import APIClient

from mops.management.commands.seed_demo import seed_core
from mops.services import create_api_token

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def pytest_collection_modifyitems(config, items):
    """Tests that need PostgreSQL or Redis skip on the embedded default; browser tests never skip
    in CI (CI installs Chromium)."""
    on_postgres = settings.DATABASES["default"]["ENGINE"].endswith("postgresql")
    on_redis = bool(settings.REDIS_URL)
    for item in items:
        marks = {mark.name for mark in item.iter_markers()}
        if marks & {"browser", "worker"}:
            # Committed data seen by another thread; the flush after such a test would delete
            # what data migrations created (roles, the metric catalogue) unless restored.
            item.add_marker(
                pytest.mark.django_db(transaction=True, serialized_rollback=True), append=False
            )
        if "postgres" in marks and not on_postgres:
            item.add_marker(pytest.mark.skip(reason="needs DATABASE_URL=postgres://…"))
        if marks & {"redis", "worker"} and not on_redis:
            item.add_marker(pytest.mark.skip(reason="needs REDIS_URL=redis://…"))


@pytest.fixture(autouse=True)
def _no_login_lockout(settings):
    settings.AXES_ENABLED = False


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    """Rate-limit counters (DRF throttles, ping buckets), cached roles and upload progress live in
    the cache, keyed by user id, address or batch id: user ids repeat after rollbacks and every
    test client is 127.0.0.1, so without this a long run ends in 429s; a batch's progress left by
    an earlier run on the same Redis would show on a new batch with its id. Only those keys are
    removed: on Redis the cache shares its database with the Celery broker."""
    from django.core.cache import cache

    client_of = getattr(getattr(cache, "_cache", None), "get_client", None)
    if client_of is None:
        cache.clear()  # local-memory cache: nothing else lives there
        return
    client = client_of(None, write=True)
    keys = list(client.scan_iter(match="*throttle*"))  # throttle_user_5, ping-throttle:…
    keys += list(client.scan_iter(match="*mops:roles:*"))  # user ids repeat after rollbacks
    # import batch ids start again with each run's test database
    keys += list(client.scan_iter(match="*mops:upload-progress:*"))
    keys += list(client.scan_iter(match="*mops:panel:*"))  # user ids repeat, as for roles
    if keys:
        client.delete(*keys)


@pytest.fixture(autouse=True)
def _backups_elsewhere(settings, tmp_path_factory):
    """A scheduler test runs every due task, the nightly backup too: never into the checkout."""
    settings.BACKUP_DIR = tmp_path_factory.getbasetemp() / "backups"


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """Every test that seeds the demo users hashes five passwords: with the production hasher
    (0.3 s each) that was most of the suite's time. Django's docs suggest a fast one for tests."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _default_language():
    """A request that switched to Japanese leaves it active in the thread: start each test in en."""
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.deactivate()


@pytest.fixture
def org(db):
    """The demo organisation's teams and users (one per role)."""
    return seed_core()


@pytest.fixture
def users(org):
    return org["users"]


@pytest.fixture
def teams(org):
    return org["teams"]


@pytest.fixture
def api_client():
    return APIClient()


@pytest.fixture
def token_for():
    def make(user, *scopes: str) -> str:
        _token, raw = create_api_token(owner=user, name="test", scopes=list(scopes))
        return raw

    return make


@pytest.fixture
def bearer(api_client, token_for):
    """An API client authenticated with a fresh token: ``bearer(user, "metrics:read")``."""

    def make(user, *scopes: str) -> APIClient:
        raw = token_for(user, *scopes)
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
        return client

    return make


def other_connection():
    """A second session on the test database (psycopg2, not in autocommit), outside the test's
    connection: for what another process would see or hold."""
    import psycopg2
    from django.db import connection

    return psycopg2.connect(**connection.get_connection_params())


def restore_reference_data() -> None:
    """Bring back what migrations create (content types, permissions, role groups, the metric
    catalogue), which the flush after a transactional test deletes. Serialized rollback is meant
    to restore it, but on PostgreSQL a flush by an earlier transactional test leaves the next one
    without it, so tests that commit data call this first. Idempotent."""
    import importlib

    from django.apps import apps
    from django.core.management.sql import emit_post_migrate_signal

    emit_post_migrate_signal(verbosity=0, interactive=False, db="default")  # perms, roles
    importlib.import_module("analytics.migrations.0002_catalogue_roles_brin").catalogue(apps, None)


@pytest.fixture
def celery_worker(transactional_db, django_db_serialized_rollback):
    """A real Celery worker (in a thread of this process) consuming from the Redis broker."""
    from celery.contrib.testing.worker import start_worker

    from mops.celery import app

    restore_reference_data()
    with start_worker(app, perform_ping_check=False, pool="solo", loglevel="WARNING") as worker:
        yield worker
