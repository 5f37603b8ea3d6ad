"""Run due periodic tasks without a broker: the embedded default's stand-in for Celery beat.

With ``REDIS_URL`` set, run ``celery -A mops beat`` and ``celery -A mops worker`` instead. This
loop reads the same django-celery-beat schedule, runs each due task in this process (tasks are
eager without a broker) and records ``last_run_at``, so checks and escalations keep running when
the portal starts with ``make run``.
"""

from __future__ import annotations

import functools
import json
import logging
import signal
import time
from typing import Any

from django.core.management.base import BaseCommand
from django.db import close_old_connections
from django.utils import timezone
from django_celery_beat.models import PeriodicTask

from mops.celery import app

logger = logging.getLogger(__name__)


@functools.cache
def _import_tasks() -> None:
    """The apps' ``tasks`` modules, imported once: a worker does that when it starts, and this
    process is not a worker."""
    app.loader.import_default_modules()


def find_task(name: str) -> Any:
    """The registered Celery task called ``name``, or None."""
    _import_tasks()
    return app.tasks.get(name)


def run_due_tasks(now=None) -> list[str]:
    """Run every enabled periodic task that is due; returns the names run."""
    now = now or timezone.now()
    ran = []
    for task in PeriodicTask.objects.filter(enabled=True).select_related(
        "interval", "crontab", "solar", "clocked"
    ):
        schedule = task.schedule
        if task.start_time and task.start_time > now:
            continue
        if task.last_run_at is not None and not schedule.is_due(task.last_run_at)[0]:
            continue
        if task.one_off and task.total_run_count:
            continue
        celery_task = find_task(task.task)
        if celery_task is None:
            logger.error("Periodic task %s names unknown task %s", task.name, task.task)
            continue
        try:
            celery_task.apply(
                args=json.loads(task.args or "[]"), kwargs=json.loads(task.kwargs or "{}")
            )
        except Exception:
            logger.exception("Periodic task %s failed", task.name)
        PeriodicTask.objects.filter(pk=task.pk).update(
            last_run_at=now, total_run_count=task.total_run_count + 1
        )
        ran.append(task.name)
    return ran


class Command(BaseCommand):
    help = "Run due periodic tasks every --interval seconds (embedded default, no broker)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--interval", type=float, default=15.0)
        parser.add_argument("--once", action="store_true", help="Run due tasks once and exit.")

    def handle(self, *args: Any, interval: float, once: bool, **options: Any) -> None:
        stop = False

        def _stop(*_: Any) -> None:
            nonlocal stop
            stop = True

        signal.signal(signal.SIGTERM, _stop)
        signal.signal(signal.SIGINT, _stop)
        while True:
            close_old_connections()
            for name in run_due_tasks():
                self.stdout.write(f"ran {name}")
            if once or stop:
                return
            slept = 0.0
            while slept < interval and not stop:
                time.sleep(0.5)
                slept += 0.5
