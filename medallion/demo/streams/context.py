"""What the stream generators know of a generated landing zone: its customers and orders.

Streams refer to the same customers and orders as the files (a clickstream purchase names a
transaction id that fct_orders holds), so the generators read them back from the landing
zone. Unreadable files and lines are skipped: the landing zone carries bad input on purpose.
"""

from __future__ import annotations

import datetime as dt
import gzip
import json
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from dlt_pipelines.landing import scan_landing


@dataclass(frozen=True)
class LandingTransaction:
    """A valid transaction of the landing zone, as streams refer to it."""

    transaction_id: str
    customer_id: str
    transaction_time: dt.datetime
    total_cost: str


@dataclass(frozen=True)
class StreamContext:
    """Seed, time range, and the landing zone's customers and (sampled) transactions."""

    seed: int
    start_date: dt.date
    days: int
    customer_ids: tuple[str, ...]
    transactions: tuple[LandingTransaction, ...]

    @property
    def end(self) -> dt.datetime:
        """The end of the time range (exclusive)."""
        start = dt.datetime.combine(self.start_date, dt.time())
        return start + dt.timedelta(days=self.days)


def _records(path: Path) -> Iterator[dict[str, object]]:
    try:
        data = gzip.decompress(path.read_bytes()) if path.suffix == ".gz" else path.read_bytes()
    except (OSError, EOFError, zlib.error, gzip.BadGzipFile):
        return
    for line in data.splitlines():
        try:
            record = json.loads(line)
        except ValueError:
            continue
        if isinstance(record, dict):
            yield record


def _transaction(record: dict[str, object]) -> LandingTransaction | None:
    fields = (record.get("transaction_id"), record.get("customer_id"))
    purchases = record.get("purchases")
    total = purchases.get("total_cost") if isinstance(purchases, dict) else None
    time_text = record.get("transaction_time")
    if not all(isinstance(value, str) and value for value in (*fields, total, time_text)):
        return None
    try:
        time = dt.datetime.fromisoformat(str(time_text))
    except ValueError:
        return None
    return LandingTransaction(str(fields[0]), str(fields[1]), time, str(total))


def read_stream_context(
    landing: Path, *, seed: int, start_date: dt.date, days: int, per_file: int = 5
) -> StreamContext:
    """Customers and up to ``per_file`` transactions per transactions file of ``landing``."""
    customer_ids: dict[str, None] = {}
    transactions: dict[str, LandingTransaction] = {}
    # The files the landing ingest loads (invalid partitions and unknown files are skipped),
    # so a stream never names an order the warehouse cannot hold.
    for landing_file in sorted(scan_landing(landing).files, key=lambda f: f.relative_path):
        if landing_file.entity == "customers":
            for record in _records(landing_file.path):
                customer_id = record.get("id")
                if isinstance(customer_id, str) and customer_id.strip():
                    customer_ids.setdefault(customer_id.strip(), None)
        elif landing_file.entity == "transactions":
            taken = 0
            for record in _records(landing_file.path):
                transaction = _transaction(record)
                if transaction is None or transaction.transaction_id in transactions:
                    continue
                transactions[transaction.transaction_id] = transaction
                taken += 1
                if taken >= per_file:
                    break
    return StreamContext(
        seed=seed,
        start_date=start_date,
        days=days,
        customer_ids=tuple(customer_ids),
        transactions=tuple(sorted(transactions.values(), key=lambda t: t.transaction_time)),
    )
