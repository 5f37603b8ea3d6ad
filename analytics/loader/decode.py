"""Bytes to a grid of text cells: encoding, separator, spreadsheet sheets.

Encodings are detected, never asked: a UTF-16 byte-order mark (Google Ads "Excel CSV",
Yahoo!広告 downloads) or NUL-byte pattern means UTF-16, with a stray odd byte at the end dropped;
the UTF-8 BOM means ``utf-8-sig``; otherwise strict UTF-8, then strict CP932 (Windows
Shift_JIS). ``.xlsx`` files (by name or by the zip magic number) are read with openpyxl.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import warnings
from collections import Counter
from typing import Any

from django.utils.translation import gettext as _

from .results import FileRefused

XLSX_MAGIC = b"PK\x03\x04"
SEPARATORS = ("\t", ",", ";")


def is_xlsx(data: bytes, filename: str) -> bool:
    return filename.lower().endswith((".xlsx", ".xlsm")) or data[:4] == XLSX_MAGIC


def decode_text(data: bytes) -> tuple[str, str, list[str]]:
    """Return (text, encoding name, notes)."""
    notes: list[str] = []
    if data[:2] in (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE):
        return _decode_utf16(data, "utf-16", notes), "utf-16", notes
    if data[:3] == codecs.BOM_UTF8:
        return _decode_8bit(data[3:], "utf-8", notes), "utf-8-sig", notes
    sample = data[:4096]
    half = len(sample) // 2
    if half >= 2:
        even_nul, odd_nul = sample[0::2].count(0), sample[1::2].count(0)
        if odd_nul > 0.3 * half and even_nul < 0.05 * half:
            return _decode_utf16(data, "utf-16-le", notes), "utf-16-le", notes
        if even_nul > 0.3 * half and odd_nul < 0.05 * half:
            return _decode_utf16(data, "utf-16-be", notes), "utf-16-be", notes
    for codec in ("utf-8", "cp932"):
        try:
            return _decode_8bit(data, codec, notes), codec, notes
        except UnicodeDecodeError:
            continue
    raise FileRefused(
        _(
            "We could not read the file's text encoding: it is not UTF-8, Shift_JIS (CP932) "
            "or UTF-16. Save it as “CSV UTF-8” and upload it again."
        )
    )


def _decode_8bit(data: bytes, codec: str, notes: list[str]) -> str:
    try:
        return data.decode(codec)
    except UnicodeDecodeError as exc:
        # A multi-byte character cut off by the last byte(s) of the file: drop the stub.
        if exc.start >= len(data) - 3 and exc.end == len(data):
            notes.append(
                _("Ignored %(n)d stray byte(s) at the end of the file.")
                % {"n": len(data) - exc.start}
            )
            return data[: exc.start].decode(codec)
        raise


def _decode_utf16(data: bytes, codec: str, notes: list[str]) -> str:
    if len(data) % 2:
        data = data[:-1]
        notes.append(_("Ignored a stray byte at the end of the file."))
    try:
        text = data.decode(codec)
    except UnicodeDecodeError:
        text = data.decode(codec, errors="replace")
        notes.append(_("Some characters could not be decoded and were replaced."))
    return text.lstrip("\ufeff")


def preamble_line(line: str) -> bool:
    """Lines that are never a header: blank, ``#`` comments and Excel's ``sep=`` hint."""
    s = line.strip()
    return not s or s.startswith("#") or s.lower().startswith("sep=")


def sniff_separator(lines: list[str]) -> str:
    """Comma, tab or semicolon: the one that splits most sample lines into the same width."""
    sample = [ln.rstrip("\r\n") for ln in lines if not preamble_line(ln)][:30]
    first = lines[0].strip() if lines else ""
    if first.lower().startswith("sep=") and len(first) == 5:
        return first[4]
    if not sample:
        return ","
    best, best_score = ",", (False, 0, 0)
    for sep in SEPARATORS:
        counts = Counter(len(row) for row in csv.reader(sample, delimiter=sep))
        width, lines_with_it = max(counts.items(), key=lambda kv: (kv[1], kv[0]))
        # the most common field count, then how many lines share it: consistent rows win
        score = (width > 1, lines_with_it, width)
        if score > best_score:
            best, best_score = sep, score
    return best


def split_line(line: str, sep: str) -> list[str]:
    rows = list(csv.reader([line.rstrip("\r\n")], delimiter=sep))
    return [c.strip() for c in rows[0]] if rows else []


def _cell_text(v: Any) -> str:
    if v is None:
        return ""
    if isinstance(v, str):
        return v
    if isinstance(v, bool):
        return "TRUE" if v else "FALSE"
    if isinstance(v, dt.datetime | dt.date | dt.time):
        return v.isoformat()
    if isinstance(v, float):
        return str(int(v)) if v.is_integer() and abs(v) < 1e15 else repr(v)
    return str(v)


def read_xlsx(data: bytes) -> list[tuple[str, list[list[str]]]]:
    """Every sheet as (title, rows of text cells); row i of the list is sheet row i+1."""
    try:
        import openpyxl
    except ImportError as exc:  # pragma: no cover - openpyxl is a project dependency
        raise FileRefused(
            _("Excel files cannot be read on this server (openpyxl is missing).")
        ) from exc
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            wb = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # zipfile.BadZipFile, KeyError, InvalidFileException …
        raise FileRefused(
            _("This is not an Excel workbook we can open (.xlsx). Is the file damaged?")
        ) from exc
    sheets = []
    try:
        for ws in wb.worksheets:
            if hasattr(ws, "reset_dimensions"):
                ws.reset_dimensions()  # some writers store wrong sheet dimensions
            rows = [[_cell_text(v) for v in row] for row in ws.iter_rows(values_only=True)]
            sheets.append((str(ws.title), rows))
    finally:
        wb.close()
    return sheets
