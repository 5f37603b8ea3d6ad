"""A large regular CSV loaded block by block (``analytics.loader.stream``): each block is parsed
and validated in a thread one block ahead while the block before is written, in one
transaction, so memory stays flat as files grow; a key seen in two blocks is caught by
:class:`KeyLedger` and refuses the file like any duplicate. The result, loaded facts or errors,
is the same as when ``files`` reads the file whole.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from django.db import transaction
from django.utils import translation

from ..loader import NotStreamable, ParsedFile, StreamedFile, parse_block
from ..loader.cells import duplicate_message
from ..models import ImportBatch
from .bulk import day_numbers, write_facts
from .facts import (
    MAX_REPORTED_ERRORS,
    CampaignResolver,
    LoadResult,
    PointError,
    Touched,
    metrics_by_key,
    refuse,
    succeed,
    validate_frame,
)
from .file_rules import FileRequest, currency_mismatches, file_frame, no_campaign_column


class KeyLedger:
    """Every fact key a streamed load has written, packed in one int64, with its file rows: a key
    in two blocks is a duplicate that neither block could see. About 8 bytes per fact: a block's
    rows are kept as a range when they are consecutive (a long file's are), else 4 bytes each."""

    DAY_BITS, METRIC_BITS, SOURCE_BITS, CAMPAIGN_BITS = 21, 8, 10, 24

    def __init__(self) -> None:
        self.dense: dict[str, dict[Any, int]] = {"campaign": {}, "metric": {}, "source": {}}
        self.keys: list[np.ndarray] = []
        self.rows: list[np.ndarray | range] = []

    def _codes(self, name: str, values: pd.Series, bits: int) -> np.ndarray:
        codes, uniques = pd.factorize(values)
        table = self.dense[name]
        mapped = np.array([table.setdefault(u, len(table)) for u in uniques], dtype="int64")
        if len(table) >= 1 << bits:
            raise NotStreamable(f"more than {1 << bits} distinct {name} values")
        return mapped[codes]

    def add(self, stage: pd.DataFrame) -> None:
        days = day_numbers(stage["date"]) + (1 << 20)
        rows = stage["index"].to_numpy(dtype="int64")
        if days.min() < 0 or days.max() >= 1 << self.DAY_BITS or rows.max() >= 1 << 31:
            raise NotStreamable("dates or row numbers out of the ledger's range")
        key = self._codes("campaign", stage["campaign_id"], self.CAMPAIGN_BITS)
        key = (key << self.SOURCE_BITS) | self._codes("source", stage["source"], self.SOURCE_BITS)
        key = (key << self.METRIC_BITS) | self._codes("metric", stage["metric_id"], 8)
        self.keys.append((key << self.DAY_BITS) | days)
        consecutive = rows[-1] - rows[0] == len(rows) - 1 and (np.diff(rows) == 1).all()
        self.rows.append(range(rows[0], rows[-1] + 1) if consecutive else rows.astype("int32"))

    def duplicates(self) -> dict[int, int]:
        """{row: the earlier row with the same key} for every row holding a repeated key."""
        if not self.keys:
            return {}
        keys = np.concatenate(self.keys)
        self.keys = [keys]  # the blocks' arrays go before the sorted copy comes
        ordered = np.sort(keys)
        if not (ordered[1:] == ordered[:-1]).any():
            return {}
        order = np.argsort(keys, kind="stable")  # equal keys keep file order
        ordered = keys[order]
        rows = np.concatenate(
            [np.arange(r.start, r.stop) if isinstance(r, range) else r for r in self.rows]
        )[order]
        starts = np.r_[True, ordered[1:] != ordered[:-1]]
        first = rows[np.flatnonzero(starts)][np.cumsum(starts) - 1]
        repeated = ~starts
        found: dict[int, int] = {}
        for row, earlier in zip(rows[repeated].tolist(), first[repeated].tolist(), strict=True):
            found[row] = min(earlier, found.get(row, earlier))
        return found


def load_streamed(
    streamed: StreamedFile, batch: ImportBatch, request: FileRequest, report: Callable
) -> LoadResult:
    """Parse, validate and write block by block; on any error, roll every block back and refuse
    with the errors the whole-file path would report: the file's (cells, duplicates) first, else
    the load's (unknown campaigns or metrics, ranges), else currency mismatches."""
    resolver = CampaignResolver(by_name=True, create_for_team=request.create_campaigns_for_team)
    ledger = KeyLedger()
    touched = Touched()
    file_errors: list[PointError] = []
    load_errors: list[PointError] = []
    file_count = load_count = received = staged = created = updated = 0
    campaigns: set[str] = set()
    first: ParsedFile | None = None
    has_campaigns = False
    refusal: list[PointError] = []
    metrics = metrics_by_key()
    refused_early = False  # read by the parse-ahead thread only

    def validated(parsed: ParsedFile, first: ParsedFile) -> _Validated | None:
        """In the parse-ahead thread, beside the previous block's COPY: no database."""
        nonlocal refused_early
        refused_early = (
            refused_early or bool(parsed.error_count) or not _has_campaigns(first, request)
        )
        if refused_early:
            return None  # the file is refused: read on only to report every error
        frame = file_frame(parsed, _source(first, request), request)
        stage, errors = validate_frame(frame, resolver, lambda index: "", metrics)
        return _Validated(set(frame["campaign"].unique()), stage, errors)

    with transaction.atomic():
        for parsed, checked in _parsed_ahead(streamed, request.column_map, validated):
            if first is None:
                first = parsed
                batch.source = _source(first, request)
                batch.encoding, batch.layout = streamed.encoding, parsed.layout
                has_campaigns = _has_campaigns(first, request)
            first.currency = resolver.currency = first.currency or parsed.currency
            received += len(parsed.facts) + parsed.error_count
            file_count += parsed.error_count
            file_errors += [
                PointError(e.row or 0, e.column or "", e.message)
                for e in parsed.errors[: MAX_REPORTED_ERRORS - len(file_errors)]
            ]
            if file_count or not has_campaigns:
                continue  # the file is refused: read on only to report every error
            assert checked is not None  # validated() saw the same errors and campaign column
            campaigns.update(checked.campaigns)
            stage, errors = checked.stage, checked.errors
            load_count += len(errors)
            load_errors += errors[: MAX_REPORTED_ERRORS - len(load_errors)]
            if load_count:
                continue
            ledger.add(stage)
            stage = resolver.with_created(stage)
            block_created, block_updated = write_facts(stage, batch_id=batch.pk)
            created, updated = created + block_created, updated + block_updated
            staged += len(stage)
            touched.add(stage)
            report(5 + int(90 * streamed.progress))
        assert first is not None  # open_stream saw data rows under the header
        duplicates = ledger.duplicates()
        if file_count or duplicates:
            date_column = next(n for n, role in first.columns.items() if role == "date")
            file_errors += [
                PointError(row, date_column, duplicate_message(earlier, first.layout))
                for row, earlier in duplicates.items()
            ]
            file_errors.sort(key=lambda e: e.index)
            refusal = file_errors[:MAX_REPORTED_ERRORS]
            file_count += len(duplicates)
        elif not has_campaigns or (received == 0 and not request.campaign_code):
            refusal = [no_campaign_column()]
        elif load_count:
            refusal = load_errors
        elif first.currency:
            refusal = currency_mismatches(campaigns, first.currency)
        batch.received = received
        if refusal:
            transaction.set_rollback(True)
        else:
            succeed(batch, staged=staged, created=created, updated=updated, touched=touched)
    if refusal:
        return refuse(batch, refusal, error_count=file_count or load_count or len(refusal))
    return LoadResult(batch=batch)


@dataclass
class _Validated:
    """A block's facts checked against campaigns and metrics (``validate_frame``)."""

    campaigns: set[str]
    stage: pd.DataFrame
    errors: list[PointError]


def _source(first: ParsedFile, request: FileRequest) -> str:
    return request.source or first.platform or "upload"


def _has_campaigns(first: ParsedFile, request: FileRequest) -> bool:
    return bool(request.campaign_code) or "campaign" in first.columns.values()


def _parsed_ahead(
    streamed: StreamedFile,
    column_map: dict[str, str],
    validate: Callable[[ParsedFile, ParsedFile], _Validated | None],
) -> Iterator[tuple[ParsedFile, _Validated | None]]:
    """The streamed file's blocks, parsed and validated (``validate(block, first block)``) one
    block ahead in a thread of their own: that work (arrow, pandas and in-memory look-ups, no
    database) overlaps the writing of the block before, which mostly waits on PostgreSQL with
    the GIL released. The thread stops when the caller does."""
    Item = tuple[tuple[ParsedFile, _Validated | None] | None, BaseException | None]
    ready: queue.Queue[Item] = queue.Queue(maxsize=1)
    stop = threading.Event()
    language = translation.get_language()

    def hand_over(item: Item) -> bool:
        while not stop.is_set():
            try:
                ready.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def parse_all() -> None:
        currency = None
        first = None
        try:
            with translation.override(language):
                for table, edges in streamed.blocks():
                    parsed = parse_block(table, column_map, edges=edges, currency=currency)
                    currency = currency or parsed.currency
                    first = first or parsed
                    if not hand_over(((parsed, validate(parsed, first)), None)):
                        return
        except BaseException as exc:  # handed to the caller, raised there
            hand_over((None, exc))
            return
        hand_over((None, None))

    worker = threading.Thread(target=parse_all, name="mops-parse-ahead", daemon=True)
    worker.start()
    try:
        while True:
            block, error = ready.get()
            if error is not None:
                raise error
            if block is None:
                return
            yield block
    finally:
        stop.set()
        worker.join()
