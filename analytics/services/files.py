"""Load a file (upload form or ``import_metrics``): parse, resolve, validate, upsert.

A large regular CSV streams (``analytics.loader.stream``): each block of rows is parsed and
validated in a thread one block ahead while the block before is written, in one transaction, so
memory stays flat as files grow; a key seen in two blocks is caught by :class:`KeyLedger` and
refuses the file like any duplicate. Everything else, and a stream that turns out irregular
part-way (its writes rolled back), is read whole. Both paths load the same facts and report the
same errors.
"""

from __future__ import annotations

import hashlib
import io
import queue
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import IO, Any

import numpy as np
import pandas as pd
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _

from ..loader import (
    FileRefused,
    NotStreamable,
    ParsedFile,
    StreamedFile,
    check_column_map,
    open_stream,
    parse_block,
    parse_file,
)
from ..loader.cells import duplicate_message
from ..models import BatchKind, Campaign, ImportBatch
from .bulk import write_facts
from .facts import (
    MAX_REPORTED_ERRORS,
    CampaignResolver,
    LoadResult,
    PointError,
    Touched,
    load_frame,
    metrics_by_key,
    refuse,
    succeed,
    validate_frame,
)


@dataclass
class _Request:
    """What the caller asked for, beyond the file."""

    source: str | None
    create_campaigns_for_team: Any
    campaign_code: str | None
    column_map: dict[str, str]


def load_file(
    file: bytes | IO[bytes],
    filename: str,
    *,
    kind: str = BatchKind.COMMAND,
    user: Any = None,
    source: str | None = None,
    create_campaigns_for_team: Any = None,
    campaign_code: str | None = None,
    column_map: dict[str, str] | None = None,
    batch: ImportBatch | None = None,
    progress: Callable[[int], None] | None = None,
) -> LoadResult:
    """The whole file loads, or nothing does and the batch says why (row and column).

    ``file`` is the file's bytes or a seekable binary file (which large files should be: they
    are then never held in memory whole). ``batch`` is an existing pending batch (an upload
    confirmed from the preview) to fill in; ``progress`` is called with a percentage as the load
    advances.
    """
    stream = io.BytesIO(file) if isinstance(file, bytes) else file
    report = progress or (lambda percent: None)
    if batch is None:
        batch = ImportBatch.objects.create(
            kind=kind,
            created_by=user,
            filename=filename[:255],
            checksum=_sha256(stream),
        )
    report(5)
    request = _Request(
        source, create_campaigns_for_team, campaign_code, check_column_map(column_map)
    )
    if campaign_code and not Campaign.objects.filter(code=campaign_code).exists():
        batch.source = source or ""
        return refuse(
            batch,
            [
                PointError(
                    0, "campaign", _("Unknown campaign code “%(code)s”.") % {"code": campaign_code}
                )
            ],
        )
    streamed = open_stream(stream, filename, request.column_map)
    if streamed is not None:
        try:
            return _load_streamed(streamed, batch, request, report)
        except NotStreamable:
            pass  # irregular part-way: its writes were rolled back; read it whole
    stream.seek(0)
    return _load_whole(stream.read(), filename, batch, request, report)


def _sha256(stream: IO[bytes]) -> str:
    digest = hashlib.sha256()
    stream.seek(0)
    while block := stream.read(1 << 20):
        digest.update(block)
    stream.seek(0)
    return digest.hexdigest()


def _load_whole(
    data: bytes, filename: str, batch: ImportBatch, request: _Request, report: Callable
) -> LoadResult:
    try:
        parsed = parse_file(data, filename, column_map=request.column_map)
    except FileRefused as exc:
        batch.source = request.source or ""
        return refuse(batch, [PointError(0, "file", str(exc), "refused")])
    del data
    batch.source = request.source or parsed.platform or "upload"
    batch.encoding, batch.layout = parsed.encoding, parsed.layout
    facts = parsed.facts
    # Each invalid cell is a fact that was received but could not be read.
    batch.received = len(facts) + parsed.error_count
    if parsed.errors:
        return refuse(
            batch,
            [PointError(e.row or 0, e.column or "", e.message) for e in parsed.errors],
            error_count=parsed.error_count,
        )
    has_campaigns = "campaign" in facts and not facts["campaign"].isna().all()
    if not (request.campaign_code or has_campaigns):
        return refuse(batch, [_no_campaign_column()])
    frame = _frame(parsed, batch.source, request)
    campaigns = set(frame["campaign"].unique())
    if parsed.currency and (mismatches := _currency_mismatches(campaigns, parsed.currency)):
        return refuse(batch, mismatches)
    report(60)
    return load_frame(
        frame,
        batch=batch,
        match_names=True,
        create_campaigns_for_team=request.create_campaigns_for_team,
        campaign_currency=parsed.currency,
    )


def _no_campaign_column() -> PointError:
    return PointError(
        0,
        "campaign",
        _("The file has no campaign column: choose the campaign all its rows belong to."),
    )


def _frame(parsed: ParsedFile, source: str, request: _Request) -> pd.DataFrame:
    """The parsed facts as ``load_frame`` takes them: one frame, no object per fact."""
    facts = parsed.facts
    return pd.DataFrame(
        {
            "campaign": request.campaign_code or facts["campaign"].astype(str),
            "date": facts["date"],
            "metric": facts["metric"],
            "value": facts["value"].astype("float64"),
            "source": source,
            "index": facts["row"].astype("int64"),
        },
        index=facts.index,
    )


class KeyLedger:
    """Every fact key a streamed load has written, packed in one int64, with its file row: a key
    in two blocks is a duplicate that neither block could see (about 12 bytes per fact)."""

    DAY_BITS, METRIC_BITS, SOURCE_BITS, CAMPAIGN_BITS = 21, 8, 10, 24

    def __init__(self) -> None:
        self.dense: dict[str, dict[Any, int]] = {"campaign": {}, "metric": {}, "source": {}}
        self.keys: list[np.ndarray] = []
        self.rows: list[np.ndarray] = []

    def _codes(self, name: str, values: pd.Series, bits: int) -> np.ndarray:
        codes, uniques = pd.factorize(values)
        table = self.dense[name]
        mapped = np.array([table.setdefault(u, len(table)) for u in uniques], dtype="int64")
        if len(table) >= 1 << bits:
            raise NotStreamable(f"more than {1 << bits} distinct {name} values")
        return mapped[codes]

    def add(self, stage: pd.DataFrame) -> None:
        days = stage["date"].to_numpy(dtype="datetime64[D]").astype("int64") + (1 << 20)
        rows = stage["index"].to_numpy(dtype="int64")
        if days.min() < 0 or days.max() >= 1 << self.DAY_BITS or rows.max() >= 1 << 31:
            raise NotStreamable("dates or row numbers out of the ledger's range")
        key = self._codes("campaign", stage["campaign_id"], self.CAMPAIGN_BITS)
        key = (key << self.SOURCE_BITS) | self._codes("source", stage["source"], self.SOURCE_BITS)
        key = (key << self.METRIC_BITS) | self._codes("metric", stage["metric_id"], 8)
        self.keys.append((key << self.DAY_BITS) | days)
        self.rows.append(rows.astype("int32"))

    def duplicates(self) -> dict[int, int]:
        """{row: the earlier row with the same key} for every row holding a repeated key."""
        if not self.keys:
            return {}
        keys = np.concatenate(self.keys)
        ordered = np.sort(keys)
        if not (ordered[1:] == ordered[:-1]).any():
            return {}
        order = np.argsort(keys, kind="stable")  # equal keys keep file order
        ordered = keys[order]
        rows = np.concatenate(self.rows)[order]
        starts = np.r_[True, ordered[1:] != ordered[:-1]]
        first = rows[np.flatnonzero(starts)][np.cumsum(starts) - 1]
        repeated = ~starts
        found: dict[int, int] = {}
        for row, earlier in zip(rows[repeated].tolist(), first[repeated].tolist(), strict=True):
            found[row] = min(earlier, found.get(row, earlier))
        return found


def _load_streamed(
    streamed: StreamedFile, batch: ImportBatch, request: _Request, report: Callable
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
        frame = _frame(parsed, _source(first, request), request)
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
            refusal = [_no_campaign_column()]
        elif load_count:
            refusal = load_errors
        elif first.currency:
            refusal = _currency_mismatches(campaigns, first.currency)
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


def _source(first: ParsedFile, request: _Request) -> str:
    return request.source or first.platform or "upload"


def _has_campaigns(first: ParsedFile, request: _Request) -> bool:
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


def _currency_mismatches(campaign_values: set[str], currency: str) -> list[PointError]:
    """The portal converts nothing: a file in one currency may only feed campaigns kept in it.

    Campaigns the load would create are not checked here; unknown ones are reported by the
    loader itself.
    """
    resolver = CampaignResolver(by_name=True)
    ids = {pk for value in campaign_values if (pk := resolver.resolve(value)[0]) and pk > 0}
    return [
        PointError(
            0,
            "currency",
            _(
                "The file is in %(file)s but campaign “%(campaign)s” is kept in %(kept)s: "
                "the portal converts no currency, so load it into a campaign kept in %(file)s."
            )
            % {"file": currency, "campaign": code, "kept": kept},
            "currency_mismatch",
        )
        for code, kept in Campaign.objects.filter(pk__in=ids)
        .exclude(currency=currency)
        .order_by("code")
        .values_list("code", "currency")
    ]
