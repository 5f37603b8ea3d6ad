"""The portal's WSGI application for the push benchmark, without the on-commit KPI recompute.

With a broker the recompute is a queued Celery task and costs the request one message; the
benchmark has no broker, where it would run eagerly inside the request. It is measured on its
own (``recompute_*``), so the receivers of ``facts_changed`` are disconnected here.
"""

from bench.env import quiet_facts_changed, quiet_missing_static

quiet_missing_static()  # before the application's middleware is made

from mops.wsgi import application  # noqa: E402, F401  (sets up Django)

quiet_facts_changed()
