"""Landing-zone layout: folder names, file names and how many rows each hour gets."""

from __future__ import annotations

import datetime
import math
import random

from medallion.demo.config import DemoConfig

CUSTOMERS = "customers"
PRODUCTS = "products"
TRANSACTIONS = "transactions"
ERASURE_REQUESTS = "erasure-requests"
# Write order inside a folder: what a row references is written before the row.
ENTITIES: tuple[str, ...] = (PRODUCTS, CUSTOMERS, TRANSACTIONS, ERASURE_REQUESTS)


def folder(day: datetime.date, hour: int) -> str:
    """``date=YYYY-MM-DD/hour=HH``."""
    return f"date={day.isoformat()}/hour={hour:02d}"


def file_name(entity: str, compressed: bool) -> str:
    """``<entity>.json.gz`` or ``<entity>.json``."""
    return f"{entity}.json.gz" if compressed else f"{entity}.json"


def is_plain_json(config: DemoConfig, folder_path: str, entity: str) -> bool:
    """Whether this file is written as plain ``.json`` (rate ``plain_json_file``).

    Decided per path from its own RNG so the choice does not depend on generation order.
    """
    rate = config.rates.plain_json_file
    if rate <= 0.0:
        return False
    return random.Random(f"{config.seed}:{folder_path}/{entity}:format").random() < rate


def content_rng(config: DemoConfig, folder_path: str, entity: str) -> random.Random:
    """The RNG for one file's content, independent of its extension and of other files."""
    return random.Random(f"{config.seed}:{folder_path}/{entity}")


def transaction_counts(config: DemoConfig) -> list[int]:
    """Rows per hourly slot, summing exactly to ``config.transactions``.

    A daily cycle (quiet at night, busy in the evening) with per-hour jitter; the real data has
    5 to 19 rows per hour. Largest-remainder rounding keeps the total exact.
    """
    slots = config.days * 24
    rng = random.Random(f"{config.seed}:transaction-counts")
    weights = [
        (1.0 + 0.5 * math.sin(2 * math.pi * ((s % 24) - 12) / 24)) * rng.uniform(0.7, 1.3)
        for s in range(slots)
    ]
    total_weight = sum(weights)
    exact = [config.transactions * w / total_weight for w in weights]
    counts = [int(x) for x in exact]
    short = config.transactions - sum(counts)
    by_remainder = sorted(range(slots), key=lambda s: (counts[s] - exact[s], s))
    for s in by_remainder[:short]:
        counts[s] += 1
    return counts
