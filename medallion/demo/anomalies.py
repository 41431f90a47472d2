"""Where and how anomalies are injected: customer re-versions and bad input.

``plan_customer_updates`` spreads the ``customer_update`` rate over the catalogue. With
``bad_input=True``, ``plan_bad_input`` decides the malformed lines, broken files and invalid
folders that the real dataset lacks, each at least once.
"""

from __future__ import annotations

import datetime
import json
import random
from dataclasses import dataclass, field
from typing import Any

from medallion.demo.catalogue import HOURS_PER_DAY, Catalogue
from medallion.demo.config import DemoConfig
from medallion.demo.erasures import ERASURE_VARIANTS, ErasureRequest
from medallion.demo.layout import (
    CUSTOMERS,
    ERASURE_REQUESTS,
    PRODUCTS,
    TRANSACTIONS,
    file_name,
    folder,
    is_plain_json,
)
from medallion.demo.records import make_customer
from medallion.demo.transactions import TransactionRows

# Line-level kinds.
NOT_JSON = "not_json"
PLAIN_TEXT = "plain_text"
JSON_ARRAY = "json_array"
INVALID_UTF8 = "invalid_utf8"
EMPTY_LINE = "empty_line"
WRONG_TYPES = "wrong_types"
EXTRA_FIELD = "extra_field"
# File-level kinds.
EMPTY_FILE = "empty_file"
EMPTY_GZIP = "empty_gzip"
TRUNCATED_GZIP = "truncated_gzip"
INVALID_PARTITION = "invalid_partition"
UNKNOWN_FILE = "unknown_file"

# Every kind that bad_input=True produces at least once (erasure variants need >= 2 requests).
BAD_INPUT_KINDS: tuple[str, ...] = (
    NOT_JSON,
    PLAIN_TEXT,
    JSON_ARRAY,
    INVALID_UTF8,
    EMPTY_LINE,
    WRONG_TYPES,
    EXTRA_FIELD,
    EMPTY_FILE,
    EMPTY_GZIP,
    TRUNCATED_GZIP,
    INVALID_PARTITION,
    UNKNOWN_FILE,
    *ERASURE_VARIANTS,
)

# Fraction of the compressed bytes kept when a gzip upload is cut short.
TRUNCATE_AT = 0.6

# Field appended to one customer row to simulate upstream schema drift.
EXTRA_FIELD_NAME = "loyalty_tier"


@dataclass(frozen=True)
class LineInjection:
    """A raw line inserted among a file's generated rows.

    ``position`` in [0, 1) picks the insertion point once the row count is known; ``middle``
    guarantees at least one row before and after it (used for the empty line).
    """

    kind: str
    data: bytes
    position: float
    middle: bool = False

    def index(self, rows: int) -> int:
        """Number of generated rows written before this line."""
        if self.middle and rows >= 2:
            return 1 + int(self.position * (rows - 1))
        return int(self.position * (rows + 1))


@dataclass(frozen=True)
class ExtraFile:
    """A file outside the regular layout, with its lines and why the ingest must react."""

    path: str
    kind: str
    lines: tuple[bytes, ...]
    compressed: bool
    reason: str  # why an ingest skips it ("" for files it should load, e.g. empty files)


@dataclass
class BadInputPlan:
    """Everything bad_input=True adds, keyed by landing folder and entity."""

    injections: dict[tuple[str, str], list[LineInjection]] = field(default_factory=dict)
    extra_field: tuple[int, int] | None = None  # (slot, customer index)
    truncated: tuple[str, str] | None = None  # (folder, entity) of the file cut short
    files: list[ExtraFile] = field(default_factory=list)

    def add(self, folder_path: str, entity: str, injection: LineInjection) -> None:
        """Queue a line for a (folder, entity) file."""
        self.injections.setdefault((folder_path, entity), []).append(injection)


def plan_customer_updates(catalogue: Catalogue, excluded: set[int]) -> dict[int, list[int]]:
    """Slot -> customers re-delivered there with a newer version (rate ``customer_update``).

    A new version always lands on a later day than the first one, so its ``last_change`` (the
    delivery date) is strictly newer. Customers with erasure requests are left out: a version
    arriving after the request would re-introduce data the pipeline was asked to forget.
    """
    config = catalogue.config
    rate = config.rates.customer_update
    updates: dict[int, list[int]] = {}
    if rate <= 0.0:
        return updates
    rng = random.Random(f"{config.seed}:customer-updates")
    last_day = config.days - 1
    for index, slot in enumerate(catalogue.customer_slot):
        if rng.random() >= rate:
            continue
        first_day = slot // HOURS_PER_DAY
        if first_day >= last_day or index in excluded:
            continue
        day = rng.randint(first_day + 1, last_day)
        updates.setdefault(day * HOURS_PER_DAY + rng.randrange(HOURS_PER_DAY), []).append(index)
    return updates


def _pick(rng: random.Random, candidates: list[int], fallback: int) -> int:
    return candidates[int(rng.random() * len(candidates))] if candidates else fallback


def _cut(text: str, rng: random.Random) -> bytes:
    # A prefix of a JSON object line is never valid JSON: the closing brace is missing.
    return text[: int(len(text) * rng.uniform(0.3, 0.7))].encode("utf-8")


def _latin1_customer(rng: random.Random, catalogue: Catalogue) -> bytes:
    # A row exported as Latin-1 instead of UTF-8: "\xe1" is not valid UTF-8 on its own. It gets
    # an unused id, so a lenient ingest that decodes it anyway creates no clash.
    spare = catalogue.spare_customer_ids
    customer_id = spare[0] if spare else "000000"
    customer = make_customer(rng, customer_id, catalogue.config.start_date, catalogue.config.rates)
    row = customer.to_dict()
    row["first_name"] = rng.choice(("Se\u00e1n", "Siobh\u00e1n", "R\u00f3is\u00edn"))
    return json.dumps(row, ensure_ascii=False).encode("latin-1")


def _wrong_type_transactions(rng: random.Random, tx: TransactionRows, slot: int) -> list[bytes]:
    first: dict[str, Any] = tx.one(rng, slot)
    item = first["purchases"]["products"][0]
    item["sku"] = "abc"
    item["quanitity"] = "two"
    item["price"] = float(item["price"])  # a JSON number instead of a decimal string
    second: dict[str, Any] = tx.one(rng, slot)
    second["purchases"]["total_cost"] = None
    return [json.dumps(first).encode(), json.dumps(second).encode()]


def _wrong_type_product() -> bytes:
    return json.dumps(
        {
            "sku": "abc",
            "name": "Mystery Box",
            "price": 12.5,
            "category": "misc",
            "popularity": "high",
        }
    ).encode()


def _valid_looking_transactions(rng: random.Random, tx: TransactionRows) -> tuple[bytes, ...]:
    # Rows referencing real customers and products, with fresh ids: if an ingest wrongly loads
    # a skipped file, the distinct transaction count in the manifest no longer matches.
    return tuple(json.dumps(tx.one(rng, 0)).encode() for _ in range(2))


def plan_bad_input(
    catalogue: Catalogue,
    tx: TransactionRows,
    transaction_counts: list[int],
    customer_update_slots: set[int],
    erasures: list[ErasureRequest],
) -> BadInputPlan:
    """Decide every bad-input item; each kind at least once, hosts picked at random."""
    config: DemoConfig = catalogue.config
    rng = random.Random(f"{config.seed}:bad-input")
    plan = BadInputPlan()
    slots = catalogue.slots
    start = config.start_date

    def slot_folder(slot: int) -> str:
        return folder(catalogue.slot_date(slot), slot % HOURS_PER_DAY)

    tx_slots = [s for s in range(slots) if transaction_counts[s] > 0]
    arrival_slots = [s for s in range(slots) if len(catalogue.customers_arriving(s)) > 0]

    # Truncated gzip: an ordinary transactions file (forced to gzip) cut at 60%.
    multi_row = [s for s in tx_slots if transaction_counts[s] >= 2]
    truncated_slot: int | None = None
    if multi_row or tx_slots:
        truncated_slot = _pick(rng, multi_row or tx_slots, 0)
        plan.truncated = (slot_folder(truncated_slot), TRANSACTIONS)
    else:
        plan.truncated = (folder(start, 0), PRODUCTS)
    other_tx = [s for s in tx_slots if s != truncated_slot]
    # With no other transactions file, the rows go to a file that holds only bad rows.
    tx_fallback = 1 if truncated_slot == 0 else 0

    host = _pick(rng, other_tx, tx_fallback)
    plan.add(
        slot_folder(host),
        TRANSACTIONS,
        LineInjection(NOT_JSON, _cut(json.dumps(tx.one(rng, host)), rng), rng.random()),
    )
    host = _pick(rng, other_tx, tx_fallback)
    plan.add(
        slot_folder(host),
        TRANSACTIONS,
        LineInjection(
            INVALID_UTF8, b"\xff\xfe" + json.dumps(tx.one(rng, host)).encode(), rng.random()
        ),
    )
    host = _pick(rng, other_tx, tx_fallback)
    for line in _wrong_type_transactions(rng, tx, host):
        plan.add(slot_folder(host), TRANSACTIONS, LineInjection(WRONG_TYPES, line, rng.random()))

    host = _pick(rng, arrival_slots, 0)
    plan.add(
        slot_folder(host),
        CUSTOMERS,
        LineInjection(PLAIN_TEXT, b"export finished: customers batch complete", rng.random()),
    )
    host = _pick(rng, arrival_slots, 0)
    plan.add(
        slot_folder(host),
        CUSTOMERS,
        LineInjection(INVALID_UTF8, _latin1_customer(rng, catalogue), rng.random()),
    )
    host = _pick(rng, arrival_slots, 0)
    arrivals = catalogue.customers_arriving(host)
    plan.extra_field = (host, arrivals[int(rng.random() * len(arrivals))])

    product_days = [d for d in range(config.days) if len(catalogue.products_arriving(d)) > 0]
    if plan.truncated[1] == PRODUCTS and len(product_days) > 1:
        product_days.remove(0)
    day = _pick(rng, product_days, 0)
    plan.add(
        folder(start + _days(day), 0), PRODUCTS, LineInjection(JSON_ARRAY, b"[1, 2]", rng.random())
    )
    day = _pick(rng, product_days, 0)
    plan.add(
        folder(start + _days(day), 0),
        PRODUCTS,
        LineInjection(WRONG_TYPES, _wrong_type_product(), rng.random()),
    )

    # Empty line in the middle of a file with at least two rows.
    roomy = [s for s in other_tx if transaction_counts[s] >= 2]
    empty = LineInjection(EMPTY_LINE, b"", rng.random(), middle=True)
    if roomy:
        plan.add(slot_folder(_pick(rng, roomy, 0)), TRANSACTIONS, empty)
    else:
        plan.add(folder(start, 0), PRODUCTS, empty)

    # Empty (0-byte) customers.json where no plain customers file is planned.
    customer_slots = set(arrival_slots) | customer_update_slots
    free = [
        s
        for s in range(slots)
        if s not in customer_slots or not is_plain_json(config, slot_folder(s), CUSTOMERS)
    ]
    # Fallback (every folder has a plain customers file): hour 01 of the day after the last
    # day, which only ever holds erasure requests at hour 00.
    empty_folder = (
        slot_folder(_pick(rng, free, 0)) if free else folder(start + _days(config.days), 1)
    )
    plan.files.append(
        ExtraFile(
            f"{empty_folder}/{file_name(CUSTOMERS, compressed=False)}",
            EMPTY_FILE,
            (),
            compressed=False,
            reason="",
        )
    )
    # Empty gzip: an erasure batch with no requests, on a day without requests.
    request_days = {r.day for r in erasures}
    quiet_days = [d for d in range(config.days) if d not in request_days]
    quiet = _pick(rng, quiet_days, 0)
    plan.files.append(
        ExtraFile(
            f"{folder(start + _days(quiet), 0)}/{file_name(ERASURE_REQUESTS, compressed=True)}",
            EMPTY_GZIP,
            (),
            compressed=True,
            reason="",
        )
    )

    rows = _valid_looking_transactions
    name = file_name(TRANSACTIONS, compressed=True)
    for path, reason in (
        (f"date=2020-02-30/hour=00/{name}", "invalid partition: date 2020-02-30 does not exist"),
        (f"date={start.isoformat()}/hour=24/{name}", "invalid partition: hour 24 out of range"),
        (f"date={start.isoformat()}/hour=7/{name}", "invalid partition: hour is not two digits"),
        (f"misc/{name}", "invalid partition: folder is not date=YYYY-MM-DD/hour=HH"),
    ):
        plan.files.append(ExtraFile(path, INVALID_PARTITION, rows(rng, tx), True, reason))
    first = folder(start, 0)
    plan.files.append(
        ExtraFile(
            f"{first}/orders.json.gz",
            UNKNOWN_FILE,
            rows(rng, tx),
            True,
            "unknown file: orders is not a landing entity",
        )
    )
    plan.files.append(
        ExtraFile(
            f"{first}/notes.txt",
            UNKNOWN_FILE,
            (b"Landing zone notes", b"Customers and transactions are exported hourly."),
            False,
            "unknown file: not a .json or .json.gz entity file",
        )
    )
    return plan


def _days(n: int) -> datetime.timedelta:
    return datetime.timedelta(days=n)
