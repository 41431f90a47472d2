"""Orchestration: walk the landing zone hour by hour, write every file, build the manifest."""

from __future__ import annotations

import datetime
import gc
import json
import multiprocessing
import os
import random
import sys
from collections import deque
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from medallion.demo.anomalies import (
    EXTRA_FIELD,
    EXTRA_FIELD_NAME,
    TRUNCATE_AT,
    TRUNCATED_GZIP,
    BadInputPlan,
    LineInjection,
    plan_bad_input,
    plan_customer_updates,
)
from medallion.demo.catalogue import HOURS_PER_DAY, Catalogue
from medallion.demo.config import DemoConfig
from medallion.demo.erasures import ErasureRequest, pick_duplicate, plan_erasures
from medallion.demo.layout import (
    CUSTOMERS,
    ERASURE_REQUESTS,
    PRODUCTS,
    TRANSACTIONS,
    content_rng,
    file_name,
    folder,
    is_plain_json,
    transaction_counts,
)
from medallion.demo.manifest import (
    BadInputItem,
    FileEntry,
    Manifest,
    SkippedFile,
    manifest_path,
)
from medallion.demo.records import updated_customer
from medallion.demo.transactions import RowStats, TransactionRows
from medallion.demo.writer import (
    LandingFileWriter,
    WorkQueue,
    count_lines,
    is_valid_line,
    read_content,
    split_lines,
    truncate_file,
)

# Business key of each entity, used when a truncated file has to be re-read.
_KEYS = {CUSTOMERS: "id", PRODUCTS: "sku", TRANSACTIONS: "transaction_id"}


def generate_landing_zone(
    out: Path,
    config: DemoConfig,
    on_file: Callable[[Path], None] | None = None,
    *,
    workers: int | None = None,
) -> Manifest:
    """Write a seeded demo landing zone to ``out`` and return its manifest.

    ``out`` must not exist or be an empty directory. The manifest is also written to
    ``<out>.manifest.json`` (beside ``out``, not inside it). ``on_file`` is called (in the
    calling process) with the path of every file once it is complete, e.g. for a progress bar.

    ``workers``: processes writing transaction files. ``None`` picks one per CPU (up to 8) for
    runs of at least 100k transactions where ``fork`` is available, else 1. The files are
    byte-identical whatever the number of workers.
    """
    config.validate()
    processes = _resolve_workers(config, workers)
    out = Path(out)
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise FileExistsError(f"{out} exists and is not an empty directory")
    out.mkdir(parents=True, exist_ok=True)
    manifest = _Generation(out, config, on_file).run(processes)
    manifest.write(manifest_path(out))
    return manifest


def _resolve_workers(config: DemoConfig, workers: int | None) -> int:
    if workers is not None:
        if workers < 1:
            raise ValueError(f"workers must be >= 1, got {workers}")
        return workers if _FORK_AVAILABLE else 1
    if not _FORK_AVAILABLE or config.transactions < _PARALLEL_THRESHOLD:
        return 1
    return max(1, min(_MAX_AUTO_WORKERS, len(os.sched_getaffinity(0))))


# Worker processes are forked so they share the catalogue (notably the packed customer
# fragments) copy-on-write instead of rebuilding it; without fork, generation stays serial.
_FORK_AVAILABLE = "fork" in multiprocessing.get_all_start_methods() and hasattr(
    os, "sched_getaffinity"
)
# Below this many transactions, process start-up costs more than it saves.
_PARALLEL_THRESHOLD = 100_000
_MAX_AUTO_WORKERS = 8

# The generation a forked worker reads its plan from (set in the parent just before forking).
_FORKED: _Generation | None = None


def _detach_stdio() -> None:
    """Worker initializer: never touch the inherited stdout/stderr.

    Another thread of the parent (say a progress spinner) may have held their buffer lock at
    the moment of the fork; flushing them at worker exit could then hang forever.
    """
    sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - lives as long as the worker
    sys.stderr = sys.stdout


def _write_transactions_in_worker(slot: int) -> _Outcome | None:
    assert _FORKED is not None, "worker started without a generation to serve"
    result = _FORKED.transactions_file(slot, queue=None)
    return None if result is None else result[0]


@dataclass
class _Outcome:
    """One written file, as reported back to the manifest (picklable for worker processes)."""

    path: str
    entry: FileEntry
    bad_input: list[BadInputItem] = field(default_factory=list)
    distinct: int = 0
    duplicates: int = 0


def _normalise_email(email: str) -> str:
    return email.strip().lower()


class _Generation:
    """One generation run: the plans, then the file writing and the manifest bookkeeping."""

    def __init__(
        self,
        out: Path,
        config: DemoConfig,
        on_file: Callable[[Path], None] | None,
    ) -> None:
        self.out = out
        # The compression thread of the current phase (None while workers run, see run()).
        self.queue: WorkQueue | None = None
        # Files whose close may still be queued, notified through on_file once complete.
        self.closing: deque[tuple[Future[None] | None, str]] = deque()
        self.config = config
        self.on_file = on_file
        self.catalogue = Catalogue(config)
        self.tx = TransactionRows(self.catalogue)
        self.counts = transaction_counts(config)
        self.requests = plan_erasures(self.catalogue, config.bad_input)
        self.duplicate_request = pick_duplicate(
            self.requests, random.Random(f"{config.seed}:erasure-duplicate")
        )
        self.updates = plan_customer_updates(
            self.catalogue, {r.customer_index for r in self.requests}
        )
        self.bad = (
            plan_bad_input(self.catalogue, self.tx, self.counts, set(self.updates), self.requests)
            if config.bad_input
            else BadInputPlan()
        )
        self.manifest = Manifest(config=config.to_dict())
        # Email-only requests identify customers by email; collect matches while writing.
        self.email_only = {
            _normalise_email(r.email)
            for r in self.requests
            if r.customer_id is None and r.email is not None
        }
        self.erased: set[str] = set()
        self.updated: list[str] = []

    # -- driver ------------------------------------------------------------------------------

    def run(self, workers: int = 1) -> Manifest:
        """Write every file; return the manifest.

        Customers, products and erasure requests go first: writing the customers collects the
        fragments that transaction rows embed. Transaction files then only read the catalogue,
        so they can be written by forked worker processes. Every file draws from its own RNG,
        so the order of writing does not change a byte.
        """
        config = self.config
        # One worker thread compresses while the main thread generates rows (see writer.py).
        with WorkQueue() as self.queue:
            for day in range(config.days):
                date = config.start_date + datetime.timedelta(days=day)
                self._products(day, folder(date, 0))
                for hour in range(HOURS_PER_DAY):
                    self._customers(day * HOURS_PER_DAY + hour, folder(date, hour))
            for day in range(config.days + 1):
                self._erasures(day, folder(config.start_date + datetime.timedelta(days=day), 0))
            self._extra_files()
            self._report(wait=True)
        # Pack the customer fragments and build the row tables before any worker forks.
        self.catalogue.fragments()
        self.tx.prepare()
        slots = [s for s in range(self.catalogue.slots) if self._has_transactions(s)]
        pool = self._process_pool(workers) if workers > 1 and len(slots) > 1 else None
        if pool is not None:
            # Our compression thread is gone by now: the fork copies no half-written file.
            self._transactions_in_workers(pool, slots)
        else:
            with WorkQueue() as self.queue:
                for slot in slots:
                    result = self.transactions_file(slot, self.queue)
                    if result is not None:
                        self._record(*result)
                self._report(wait=True)
        self.queue = None
        manifest = self.manifest
        manifest.erased_customer_ids = sorted(self.erased)
        manifest.updated_customer_ids = sorted(self.updated)
        manifest.customer_updates = len(self.updated)
        return manifest

    @staticmethod
    def _process_pool(workers: int) -> ProcessPoolExecutor | None:
        """A fork-based pool, or None where the platform cannot provide one (serial then)."""
        try:
            context = multiprocessing.get_context("fork")
            return ProcessPoolExecutor(
                max_workers=workers, mp_context=context, initializer=_detach_stdio
            )
        except (OSError, ValueError, NotImplementedError):
            return None

    def _transactions_in_workers(self, pool: ProcessPoolExecutor, slots: list[int]) -> None:
        global _FORKED
        _FORKED = self  # workers are forked at the first submit, inheriting this
        # Frozen objects are skipped by the children's garbage collector, which would
        # otherwise touch (and so copy) every page of the inherited catalogue.
        gc.freeze()
        try:
            with pool:
                for outcome in pool.map(_write_transactions_in_worker, slots):
                    if outcome is not None:
                        self._record(outcome, None)
            self._report(wait=True)
        finally:
            gc.unfreeze()
            _FORKED = None

    # -- one file ----------------------------------------------------------------------------

    def _write(
        self,
        folder_path: str,
        entity: str,
        chunks: Iterable[Sequence[str]],
        n_rows: int,
        tagged: Iterable[tuple[int, str]] = (),
        compressed: bool | None = None,
        with_injections: bool = True,
        queue: WorkQueue | None = None,
    ) -> tuple[_Outcome, Future[None] | None]:
        """Write generated rows (in chunks) plus planned raw lines.

        A planned line with index ``i`` goes right before generated row ``i``. Returns the
        outcome and, when the close is still queued, its future.
        """
        key = (folder_path, entity)
        truncate = key == self.bad.truncated
        if compressed is None:
            compressed = truncate or not is_plain_json(self.config, folder_path, entity)
        rel = f"{folder_path}/{file_name(entity, compressed)}"
        injections = self.bad.injections.get(key, []) if with_injections else []
        placed = sorted(
            ((inj.index(n_rows), order, inj) for order, inj in enumerate(injections)),
            key=lambda item: (item[0], item[1]),
        )
        items: list[BadInputItem] = []
        waiting = deque(placed)
        writer = LandingFileWriter(self.out / rel, compressed, queue)

        def inject(injection: LineInjection) -> None:
            items.append(BadInputItem(injection.kind, rel, writer.lines + 1))
            writer.write_raw(injection.data)

        try:
            done = 0
            for chunk in chunks:
                written = 0
                while waiting and waiting[0][0] - done < len(chunk):
                    cut = waiting[0][0] - done
                    writer.write_rows(chunk[written:cut])
                    written = cut
                    inject(waiting.popleft()[2])
                writer.write_rows(chunk[written:])
                done += len(chunk)
            while waiting:
                inject(waiting.popleft()[2])
        finally:
            closing = writer.close()
        lines, invalid = writer.lines, writer.invalid_lines
        for row, kind in tagged:
            shift = sum(1 for index, _, _ in placed if index <= row)
            items.append(BadInputItem(kind, rel, row + 1 + shift))
        if truncate:
            if closing is not None:
                closing.result()
            truncate_file(self.out / rel, TRUNCATE_AT)
            lines, invalid = count_lines(self.out / rel, compressed)
            # Items that were in the lost tail are gone; the trailing partial line remains.
            items = [b for b in items if (b.line or 0) < lines]
            items.append(BadInputItem(TRUNCATED_GZIP, rel, None))
        entry = FileEntry(entity, lines, invalid, compressed, truncate)
        return _Outcome(rel, entry, items), closing

    def _record(self, outcome: _Outcome, closing: Future[None] | None) -> None:
        """Add a written file to the manifest and queue it for ``on_file``."""
        manifest = self.manifest
        manifest.add_file(outcome.path, outcome.entry)
        manifest.bad_input.extend(outcome.bad_input)
        entity = outcome.entry.entity
        manifest.duplicates[entity] = manifest.duplicates.get(entity, 0) + outcome.duplicates
        if entity == TRANSACTIONS:
            manifest.distinct_transactions += outcome.distinct
        elif entity == PRODUCTS:
            manifest.distinct_products += outcome.distinct
        elif entity == CUSTOMERS:
            manifest.distinct_customers += outcome.distinct
        self._notify(outcome.path, closing)

    def _notify(self, rel: str, closing: Future[None] | None = None) -> None:
        """Queue ``rel`` for ``on_file``; report whatever is complete, in write order."""
        self.closing.append((closing, rel))
        self._report(wait=False)

    def _report(self, wait: bool) -> None:
        while self.closing:
            future, path = self.closing[0]
            if future is not None:
                if not (wait or future.done()):
                    break
                future.result()
            self.closing.popleft()
            if self.on_file is not None:
                self.on_file(self.out / path)

    def _reread_keys(self, rel: str, entity: str) -> tuple[int, int]:
        """(distinct keys, duplicate rows) among the readable rows of a truncated file."""
        keys: list[str] = []
        for line in split_lines(read_content(self.out / rel, compressed=True)):
            if is_valid_line(line):
                keys.append(str(json.loads(line).get(_KEYS[entity])))
        return len(set(keys)), len(keys) - len(set(keys))

    # -- entities ----------------------------------------------------------------------------

    def _products(self, day: int, folder_path: str) -> None:
        arriving = self.catalogue.products_arriving(day)
        if not arriving and (folder_path, PRODUCTS) not in self.bad.injections:
            return
        products = self.catalogue.products
        rows = [products[j].to_line() for j in arriving]
        outcome, closing = self._write(folder_path, PRODUCTS, [rows], len(rows), queue=self.queue)
        if outcome.entry.truncated:
            outcome.distinct, _ = self._reread_keys(outcome.path, PRODUCTS)
        else:
            outcome.distinct = len(rows)
        self._record(outcome, closing)

    def _customers(self, slot: int, folder_path: str) -> None:
        catalogue = self.catalogue
        arriving = catalogue.customers_arriving(slot)
        updates = self.updates.get(slot, [])
        if not arriving and not updates and (folder_path, CUSTOMERS) not in self.bad.injections:
            return
        rng = content_rng(self.config, folder_path, CUSTOMERS)
        rows: list[str] = []
        tagged: list[tuple[int, str]] = []
        for index in arriving:
            customer = catalogue.customer(index)
            catalogue.remember_fragment(index, customer)
            if customer.email and _normalise_email(customer.email) in self.email_only:
                self.erased.add(customer.id)
            if self.bad.extra_field == (slot, index):
                row = customer.to_dict()
                row[EXTRA_FIELD_NAME] = "gold"
                tagged.append((len(rows), EXTRA_FIELD))
                rows.append(json.dumps(row))
            else:
                rows.append(customer.to_line())
        date = catalogue.slot_date(slot)
        for index in updates:
            version = updated_customer(rng, catalogue.customer(index), date)
            self.updated.append(version.id)
            rows.append(version.to_line())
        # Re-deliveries: identical copies appended to the same file.
        rate = self.config.rates.duplicate_redelivery
        copies: list[str] = []
        tagged_rows = {row for row, _ in tagged}
        for position, line in enumerate(rows):
            if rate and rng.random() < rate and position not in tagged_rows:
                copies.extend([line] * (1 + int(rng.random() * 2)))
        rows.extend(copies)
        outcome, closing = self._write(
            folder_path, CUSTOMERS, [rows], len(rows), tagged, queue=self.queue
        )
        outcome.distinct, outcome.duplicates = len(arriving), len(copies)
        self._record(outcome, closing)

    def _has_transactions(self, slot: int) -> bool:
        return (
            self.counts[slot] > 0 or (self._slot_folder(slot), TRANSACTIONS) in self.bad.injections
        )

    def _slot_folder(self, slot: int) -> str:
        return folder(self.catalogue.slot_date(slot), slot % HOURS_PER_DAY)

    def transactions_file(
        self, slot: int, queue: WorkQueue | None
    ) -> tuple[_Outcome, Future[None] | None] | None:
        """Write the transactions file of ``slot`` (in this process or a forked worker)."""
        if not self._has_transactions(slot):
            return None
        folder_path = self._slot_folder(slot)
        count = self.counts[slot]
        stats = RowStats()
        rng = content_rng(self.config, folder_path, TRANSACTIONS)
        rows = self.tx.rows(rng, slot, count, stats)
        outcome, closing = self._write(folder_path, TRANSACTIONS, rows, count, queue=queue)
        if outcome.entry.truncated:
            outcome.distinct, outcome.duplicates = self._reread_keys(outcome.path, TRANSACTIONS)
        else:
            outcome.distinct, outcome.duplicates = stats.distinct, stats.duplicates
        return outcome, closing

    def _erasures(self, day: int, folder_path: str) -> None:
        requests = [r for r in self.requests if r.day == day]
        if not requests:
            return
        rows = [r.to_line() for r in requests]
        tagged = [(i, kind) for i, r in enumerate(requests) for kind in r.variants]
        for request in requests:
            if request.customer_id is not None:
                self.erased.add(request.customer_id)
        outcome, closing = self._write(
            folder_path, ERASURE_REQUESTS, [rows], len(rows), tagged, queue=self.queue
        )
        self._record(outcome, closing)
        self.manifest.erasure_requests += len(rows)
        duplicate: ErasureRequest | None = self.duplicate_request
        if duplicate is not None and duplicate.day == day:
            # Like the real 2020-01-25 folder: the same request again, in a sibling file
            # with the other extension.
            outcome, closing = self._write(
                folder_path,
                ERASURE_REQUESTS,
                [[duplicate.to_line()]],
                1,
                [(0, kind) for kind in duplicate.variants],
                compressed=not outcome.entry.gzip,
                with_injections=False,
                queue=self.queue,
            )
            outcome.duplicates = 1
            self._record(outcome, closing)

    def _extra_files(self) -> None:
        manifest = self.manifest
        for extra in self.bad.files:
            with LandingFileWriter(self.out / extra.path, extra.compressed) as writer:
                for line in extra.lines:
                    writer.write_raw(line)
            manifest.bad_input.append(BadInputItem(extra.kind, extra.path, None))
            if extra.reason:
                manifest.skipped.append(SkippedFile(extra.path, extra.reason))
            else:
                entity = Path(extra.path).name.removesuffix(".gz").removesuffix(".json")
                manifest.add_file(
                    extra.path,
                    FileEntry(entity, writer.lines, writer.invalid_lines, extra.compressed),
                )
            self._notify(extra.path)
