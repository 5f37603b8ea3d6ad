"""Finding the table in a file: header row, preamble, data rows as text; column roles."""

from __future__ import annotations

import csv
import io
import re
import warnings
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
from django.utils.translation import gettext as _

from .decode import preamble_line, read_xlsx, sniff_separator, split_line
from .headers import RANGE_END, RANGE_START, classify, header_score, norm
from .results import ARROW_ERRORS, FileRefused

HEAD_LINES = 60
PAD_COLUMNS = 8
_EOL = re.compile(r"\r\n|\r|\n")
SINGLE_ROLES = ("date", "campaign", "source", "currency", "metric", "value", RANGE_START, RANGE_END)
_READ_ERRORS: tuple[type[Exception], ...] = (*ARROW_ERRORS, UnicodeEncodeError)


@dataclass
class Table:
    header: list[str]
    header_row: int  # 1-based
    data: pd.DataFrame  # positional integer columns, text cells
    first_row: int  # line number of data.iloc[0]
    preamble: list[str] = field(default_factory=list)


# --------------------------------------------------------------------------- reading tables


def pick_header(candidates: list[tuple[int, list[str]]], extra: set[str]) -> int:
    if not candidates:
        raise FileRefused(_("The file has no table: no header row was found."))
    scores = [header_score(cells, extra) for _i, cells in candidates]
    best = max(scores)
    if best > 0:
        return candidates[scores.index(best)][0]
    widest = max(sum(1 for c in cells if c) for _i, cells in candidates)
    for idx, cells in candidates:
        if sum(1 for c in cells if c) >= max(2, (widest + 1) // 2):
            return idx
    return candidates[0][0]


@dataclass
class HeaderFound:
    """Where the table starts in a text: its separator, header row and preamble lines."""

    sep: str
    header: list[str]
    header_row: int  # 1-based
    body_start: int  # offset in the text of the line after the header row
    preamble: list[str]


def find_header(text: str, column_map: dict[str, str], *, complete: bool = True) -> HeaderFound:
    """The header among the first ``HEAD_LINES`` lines of ``text``.

    With ``complete=False`` the text is the head of a longer file: its last line may be cut, so
    it is not read as a line (and a header on it is refused).
    """
    lines: list[str] = []
    starts: list[int] = []
    pos = 0
    while pos < len(text) and len(lines) < HEAD_LINES:
        m = _EOL.search(text, pos)
        if m is None and not complete:
            break
        end = m.start() if m else len(text)
        starts.append(pos)
        lines.append(text[pos:end])
        pos = m.end() if m else len(text)
    starts.append(pos)
    sep = sniff_separator(lines)
    extra = {norm(k) for k in column_map}
    candidates = [(i, split_line(ln, sep)) for i, ln in enumerate(lines) if not preamble_line(ln)]
    h = pick_header(candidates, extra)
    return HeaderFound(
        sep=sep,
        header=split_line(lines[h], sep),
        header_row=h + 1,
        body_start=starts[h + 1],
        preamble=[ln.strip() for ln in lines[:h] if ln.strip()],
    )


def csv_table(text: str, column_map: dict[str, str]) -> Table:
    found = find_header(text, column_map)
    return Table(
        header=found.header,
        header_row=found.header_row,
        data=read_rows(text[found.body_start :], found.sep, len(found.header)),
        first_row=found.header_row + 1,
        preamble=found.preamble,
    )


def read_rows(body: str, sep: str, width: int) -> pd.DataFrame:
    if not body.strip():
        return pd.DataFrame({i: pd.Series([], dtype="str") for i in range(width)})
    fast = _arrow_rows(body, sep, width)
    if fast is not None:
        return fast
    try:
        with warnings.catch_warnings():
            # cells beyond the padding columns are dropped: they are never header columns
            warnings.simplefilter("ignore", pd.errors.ParserWarning)
            df = pd.read_csv(
                io.StringIO(body),
                sep=sep,
                header=None,
                names=list(range(width + PAD_COLUMNS)),
                dtype=str,
                na_filter=False,
                skip_blank_lines=False,
                index_col=False,
                engine="c",
            )
    except pd.errors.ParserError:  # malformed quoting and the like: read it the slow way
        df = frame(list(csv.reader(io.StringIO(body), delimiter=sep)), width)
    return tidy(df, width)


def _arrow_rows(body: str, sep: str, width: int) -> pd.DataFrame | None:
    """pyarrow's multi-threaded CSV reader for regular tables (every line ``width`` cells, no
    blank lines); None for anything else, which the pandas path below reads."""
    names = [str(i) for i in range(width)]
    try:
        table = pacsv.read_csv(
            io.BytesIO(body.encode("utf-8")),
            read_options=pacsv.ReadOptions(column_names=names),
            parse_options=regular_csv(sep),
            convert_options=text_cells(names),
        )
    except _READ_ERRORS:
        return None
    return trimmed_frame(table)


def regular_csv(sep: str) -> pacsv.ParseOptions:
    """Arrow's parse options for a rectangular table: a short or blank line is an error."""
    return pacsv.ParseOptions(delimiter=sep, newlines_in_values=True, ignore_empty_lines=False)


def text_cells(names: list[str]) -> pacsv.ConvertOptions:
    """Every cell as text, empty cells as empty strings (never null)."""
    return pacsv.ConvertOptions(
        column_types=dict.fromkeys(names, pa.string()),
        strings_can_be_null=False,
        quoted_strings_can_be_null=False,
    )


def trimmed_frame(table: pa.Table | pa.RecordBatch) -> pd.DataFrame:
    """Positional text columns, cells trimmed of surrounding white space."""
    as_str = {pa.string(): pd.StringDtype("pyarrow", na_value=np.nan)}.get
    return pd.DataFrame(
        {
            i: pc.utf8_trim_whitespace(table.column(i)).to_pandas(types_mapper=as_str)
            for i in range(table.num_columns)
        }
    )


def frame(rows: list[list[str]], width: int) -> pd.DataFrame:
    df = pd.DataFrame(rows) if rows else pd.DataFrame()
    for i in range(df.shape[1], width):
        df[i] = ""
    return df


def tidy(df: pd.DataFrame, width: int) -> pd.DataFrame:
    df.columns = range(df.shape[1])
    df = df.astype("str").fillna("")
    extras = [c for c in df.columns if c >= width and not (df[c] == "").all()]
    df = df[[c for c in df.columns if c < width] + extras]
    for c in df.columns:
        df[c] = df[c].str.strip()
    return df


def xlsx_table(data: bytes, column_map: dict[str, str], notes: list[str]) -> tuple[Table, str]:
    extra = {norm(k) for k in column_map}
    options = []
    for order, (title, rows) in enumerate(read_xlsx(data)):
        candidates = [
            (i, [c.strip() for c in row])
            for i, row in enumerate(rows[:HEAD_LINES])
            if any(c.strip() for c in row) and not row[0].strip().startswith("#")
        ]
        if not candidates:
            continue
        h = pick_header(candidates, extra)
        header = [c.strip() for c in rows[h]]
        while header and not header[-1]:
            header.pop()
        roles = assign_roles(header, column_map)[0]
        has_date = any(r in ("date", RANGE_START) for r in roles)
        has_metric = any(r.startswith("metric") for r in roles)
        rank = (has_date and has_metric, has_metric, has_date, header_score(header, extra) > 0)
        options.append((rank, -order, title, rows, h, header))
    if not options:
        raise FileRefused(_("The workbook has no table: every sheet is empty."))
    options.sort(key=lambda o: (o[0], o[1]), reverse=True)
    _rank, _o, title, rows, h, header = options[0]
    others = [o[2] for o in options[1:]]
    if others:
        notes.append(
            _("Read sheet “%(sheet)s”; other sheets were not loaded: %(others)s.")
            % {"sheet": title, "others": ", ".join(others)}
        )
    df = tidy(frame(rows[h + 1 :], len(header)), len(header))
    preamble = [" ".join(c for c in r if c.strip()) for r in rows[:h] if any(c.strip() for c in r)]
    return Table(header, h + 1, df, h + 2, preamble), title


# --------------------------------------------------------------------------- roles


def assign_roles(header: list[str], column_map: dict[str, str]) -> tuple[list[str], str | None]:
    """Role per column position (detection, overridden by column_map) and header currency."""
    by_norm = {norm(k): v for k, v in column_map.items()}
    infos = [classify(h) for h in header]
    roles: list[str] = []
    ranks: list[tuple[int, int]] = []
    for h, info in zip(header, infos, strict=True):
        mapped = column_map.get(h, by_norm.get(norm(h)))
        roles.append(mapped if mapped is not None else info.role)
        ranks.append((0 if mapped is not None else 1, info.priority))
    best: dict[str, int] = {}
    for pos, role in enumerate(roles):
        single = role in SINGLE_ROLES or role.startswith("metric:")
        if single and (role not in best or ranks[pos] < ranks[best[role]]):
            best[role] = pos
    for pos, role in enumerate(roles):
        if role in best and best[role] != pos:
            roles[pos] = "ignored"
    currency = next(
        (
            i.currency
            for i, r in zip(infos, roles, strict=True)
            if i.currency and r.startswith("metric")
        ),
        None,
    )
    return roles, currency


def unique_names(header: list[str]) -> list[str]:
    seen: dict[str, int] = {}
    out = []
    for i, h in enumerate(header):
        name = h or f"(column {i + 1})"
        if name in seen:
            seen[name] += 1
            name = f"{name} ({seen[name]})"
        seen.setdefault(name, 1)
        out.append(name)
    return out
