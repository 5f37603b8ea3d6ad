"""Reading a large CSV export a block at a time, so that a load's memory does not grow with it.

``open_stream(file, filename, column_map)`` reads the head of a seekable binary file (encoding,
separator, header row and preamble, found exactly as the whole-file reader finds them) and
returns a :class:`StreamedFile` whose ``blocks()`` yields the data rows as
:class:`~analytics.loader.tables.Table` blocks of about ``BLOCK_FACTS`` facts each (their size in
bytes estimated from the head), numbered like the whole file's rows. Only large, regular files
stream:

- at least ``STREAM_MIN_BYTES`` long, text (not a workbook) in UTF-8 (BOM or not) or CP932;
- one rectangular table: every line under the header has the header's number of cells (blank
  lines are allowed only at the very end of the file);
- no breakdown columns (their rows are summed across the whole file).

Anything else returns None, and anything irregular found part-way (a short or long line, a byte
that does not decode, a quoted cell running across a block's end) raises
:class:`NotStreamable`: the caller then reads the whole file, which handles every case. Both
paths apply the same rules, so they load the same facts.
"""

from __future__ import annotations

import codecs
import io
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO

import pyarrow.csv as pacsv

from .decode import is_xlsx
from .results import ARROW_ERRORS, FileRefused
from .tables import Table, assign_roles, find_header, regular_csv, text_cells, trimmed_frame

STREAM_MIN_BYTES = 4 << 20
BLOCK_FACTS = 250_000  # about this many facts per block: a few MB of text, ~0.3 s of parsing
MIN_BLOCK_BYTES = 1 << 20
_READ_ERRORS: tuple[type[Exception], ...] = (*ARROW_ERRORS, UnicodeDecodeError)
HEAD_BYTES = 256 << 10
TAIL_BYTES = 64 << 10


class NotStreamable(Exception):
    """The file is not one regular table: read it whole instead."""


@dataclass
class StreamedFile:
    file: IO[bytes]
    encoding: str  # "utf-8", "utf-8-sig" or "cp932", as ``decode_text`` names them
    sep: str
    header: list[str]
    header_row: int
    preamble: list[str]
    body_start: int  # byte offsets of the data rows
    body_end: int
    block_bytes: int
    rows_read: int = 0

    @property
    def progress(self) -> float:
        """The share of the data rows' bytes read so far."""
        done = self.file.tell() - self.body_start
        return max(0.0, min(1.0, done / max(1, self.body_end - self.body_start)))

    def blocks(self) -> Iterator[tuple[Table, tuple[bool, bool]]]:
        """Each block as a Table, with (holds the file's first row, holds its last row).

        A block is cut after its last line end outside quotes (a quote count that is even:
        CSV doubles the quotes inside a quoted cell); the rest opens the next block. Each block
        is one call of arrow's multi-threaded reader, so only one block is in memory at a time.
        """
        names = [str(i) for i in range(len(self.header))]
        codec = "utf8" if self.encoding.startswith("utf-8") else self.encoding
        read_options = pacsv.ReadOptions(column_names=names, encoding=codec)
        self.file.seek(self.body_start)
        position, rest, first = self.body_start, b"", True
        while position < self.body_end:
            chunk = self.file.read(min(self.block_bytes, self.body_end - position))
            if not chunk:
                break
            position += len(chunk)
            data, last = rest + chunk, position >= self.body_end
            rest = b""
            if not last:
                cut = data.rfind(b"\n") + 1
                if cut == 0:
                    raise NotStreamable("a line longer than a block")
                data, rest = data[:cut], data[cut:]
            if data.count(b'"') % 2:
                raise NotStreamable("a quoted cell spans two blocks")
            try:
                rows = pacsv.read_csv(
                    io.BytesIO(data),
                    read_options=read_options,
                    parse_options=regular_csv(self.sep),
                    convert_options=text_cells(names),
                )
            except _READ_ERRORS as exc:
                raise NotStreamable(str(exc)) from exc
            del data
            if not rows.num_rows:
                continue
            table = Table(
                header=self.header,
                header_row=self.header_row,
                data=trimmed_frame(rows),
                first_row=self.header_row + 1 + self.rows_read,
                preamble=self.preamble,
            )
            self.rows_read += rows.num_rows
            del rows
            yield table, (first, last)
            first = False


def open_stream(file: IO[bytes], filename: str, column_map: dict[str, str]) -> StreamedFile | None:
    """The file's head read, ready to stream its rows; None when it should be read whole."""
    size = file.seek(0, io.SEEK_END)
    file.seek(0)
    head = file.read(HEAD_BYTES)
    if size < STREAM_MIN_BYTES or len(head) < HEAD_BYTES or is_xlsx(head, filename):
        return None
    found = _decode_head(head)
    if found is None:
        return None
    text, encoding, bom = found
    try:
        header = find_header(text, column_map, complete=False)
    except FileRefused:
        return None
    roles = assign_roles(header.header, column_map)[0]
    if len(header.header) < 2 or "dimension" in roles:
        return None
    long = "metric" in roles and "value" in roles
    facts_per_row = 1 if long else max(1, sum(r.startswith("metric:") for r in roles))
    sample = text[header.body_start :]
    codec = "utf-8" if encoding == "utf-8-sig" else encoding
    bytes_per_row = len(sample.encode(codec, "replace")) / max(1, sample.count("\n"))
    body_start = bom + len(text[: header.body_start].encode(codec))
    body_end = _data_end(file, size)
    if body_end is None or body_end <= body_start:
        return None
    return StreamedFile(
        file=file,
        encoding=encoding,
        sep=header.sep,
        header=header.header,
        header_row=header.header_row,
        preamble=header.preamble,
        body_start=body_start,
        body_end=body_end,
        block_bytes=max(MIN_BLOCK_BYTES, int(BLOCK_FACTS * bytes_per_row / facts_per_row)),
    )


def _decode_head(head: bytes) -> tuple[str, str, int] | None:
    """(text, encoding, BOM length) of a file's head; None for UTF-16 and undecodable heads."""
    if head[:2] in (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE) or b"\x00" in head[:4096]:
        return None
    if head.startswith(codecs.BOM_UTF8):
        candidates, bom = [("utf-8", "utf-8-sig")], len(codecs.BOM_UTF8)
    else:
        candidates, bom = [("utf-8", "utf-8"), ("cp932", "cp932")], 0
    for codec, name in candidates:
        try:  # a character cut by the end of the head is left for the next read
            text = codecs.getincrementaldecoder(codec)().decode(head[bom:], final=False)
        except UnicodeDecodeError:
            continue
        return text, name, bom
    return None


def _data_end(file: IO[bytes], size: int) -> int | None:
    """Where the blank lines at the end of the file start; None when its tail is all blank."""
    start = max(0, size - TAIL_BYTES)
    file.seek(start)
    lines = file.read().splitlines(keepends=True)
    while lines and not lines[-1].strip():
        lines.pop()
    return start + sum(len(line) for line in lines) if lines else None
