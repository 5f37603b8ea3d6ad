"""The metrics loader's parsing half: bytes of an export in, validated facts out.

See :mod:`analytics.loader.parse` for the rules.
"""

from .headers import METRIC_KEYS
from .parse import parse_file
from .results import FileRefused, ParsedFile, RowError

__all__ = ["METRIC_KEYS", "FileRefused", "ParsedFile", "RowError", "parse_file"]
