"""The metrics loader's parsing half: bytes of an export in, validated facts out.

See :mod:`analytics.loader.parse` for the rules.
"""

from .headers import METRIC_KEYS
from .parse import check_column_map, parse_block, parse_file
from .results import FileRefused, ParsedFile, RowError
from .stream import NotStreamable, StreamedFile, open_stream

__all__ = [
    "METRIC_KEYS",
    "FileRefused",
    "NotStreamable",
    "ParsedFile",
    "RowError",
    "StreamedFile",
    "check_column_map",
    "open_stream",
    "parse_block",
    "parse_file",
]
