"""The portal's WSGI application for the push benchmark, without the on-commit KPI recompute.

With a broker the recompute is a queued Celery task and costs the request one message; the
benchmark has no broker, where it would run eagerly inside the request. It is measured on its
own (``recompute_*``), so the receivers of ``facts_changed`` are disconnected here.
"""

import warnings

from bench.env import quiet_facts_changed

# WhiteNoise warns that nothing is collected (no ``collectstatic`` in a checkout); the push
# serves no static file
warnings.filterwarnings("ignore", message="No directory at", module="django.core.handlers.base")

from mops.wsgi import application  # noqa: E402, F401  (sets up Django)

quiet_facts_changed()
