"""Celery tasks of operations. Each area module names its tasks ``operations.tasks.<name>``."""

from .incidents import *  # noqa: F403
from .monitoring import *  # noqa: F403
