"""The Celery app. Configuration comes from Django settings (``CELERY_*``).

With ``REDIS_URL`` unset, tasks run eagerly in the calling process (the embedded default);
periodic tasks are then run by ``manage.py run_scheduler``.
"""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mops.settings")

app = Celery("mops")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
