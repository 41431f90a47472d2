"""Fast, streaming transaction rows for one hourly file.

Transactions are the bulk of the data (up to 10M rows), so rows are assembled from precomputed
JSON fragments with f-strings instead of ``json.dumps`` per row. The output is byte-identical to
``json.dumps`` of the equivalent dict (tests check ``json.dumps(json.loads(line)) == line``).
"""

from __future__ import annotations

import datetime
import math
import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from medallion.demo.catalogue import Catalogue
from medallion.demo.records import make_address, money, random_price_cents, uuid4_text

# Items per transaction, from the real data (1: 38.5%, 2-5: ~12% each, 6-10: ~2.4% each).
_ITEM_SHARES = (385, 121, 124, 125, 126, 25, 25, 21, 25, 23)
_ITEMS_TABLE = tuple(n for n, share in enumerate(_ITEM_SHARES, start=1) for _ in range(share))
# Quantities, from the real data (1: 84%, 2..5: 4% each).
_QTY_TABLE = (1,) * 84 + (2,) * 4 + (3,) * 4 + (4,) * 4 + (5,) * 4
_MAX_QTY = 5
# "MM:SS" for every second of an hour, so a timestamp costs one lookup and one format.
_MINUTE_SECOND = tuple(f"{s // 60:02d}:{s % 60:02d}" for s in range(3600))
_MICROS_PER_HOUR = 3_600_000_000

# Share of rows shipped to an address other than the customer's own (gift, work address).
ALTERNATIVE_DELIVERY_RATE = 0.12
# Share of rows by a customer who arrived in the same hourly folder (real data: 783 of 10k).
SAME_FOLDER_CUSTOMER_RATE = 0.08
# Re-deliveries are held back and appended at the end of the file, like the real batch
# re-delivery; this bounds the buffer for absurd duplicate rates.
_MAX_PENDING = 4096

# Size cap of the pool of alternative delivery addresses.
_MAX_ADDRESS_POOL = 4096

# uuid4 from 16 random bytes as hex: the version digit becomes "4" and the variant digit one of
# "89ab" (RFC 4122), exactly the bits uuid.UUID(version=4) sets; cheaper than int formatting.
_UUID_VARIANT = {digit: "89ab"[int(digit, 16) & 3] for digit in "0123456789abcdef"}

# Rows per chunk handed to the writer.
CHUNK_ROWS = 2048


@dataclass
class RowStats:
    """What a row stream produced; filled in while the stream is consumed."""

    distinct: int = 0
    duplicates: int = 0


def _gap(rand: Callable[[], float], rate: float) -> int:
    """Trials until the next event of probability ``rate`` (geometric; huge when rate is 0).

    Rare events (price mismatch, re-delivery) then cost one draw per event instead of one per
    item or row in the hot loop.
    """
    if rate <= 0.0:
        return 1 << 62
    if rate >= 1.0:
        return 1
    return 1 + int(math.log(1.0 - rand()) / math.log(1.0 - rate))


class TransactionRows:
    """Builds transaction rows against a :class:`Catalogue`."""

    def __init__(self, catalogue: Catalogue) -> None:
        self._catalogue = catalogue
        self._rates = catalogue.config.rates
        self._cents = [p.line_price_cents for p in catalogue.products]
        # Line-item fragments per product and quantity, built on first use.
        self._items: list[tuple[str, ...] | None] = [None] * len(self._cents)
        self._tables: dict[int, list[int]] = {}
        self._addresses: list[str] = []

    def prepare(self) -> None:
        """Build every lazy table now (before forking workers, so they share instead of
        each rebuilding them)."""
        for j, fragments in enumerate(self._items):
            if fragments is None:
                self._item_fragments(j)
        for available in sorted(set(self._catalogue.products_until)):
            if available:
                self._product_table(available)
        self._alternative_addresses()

    def _item_fragments(self, j: int) -> tuple[str, ...]:
        c = self._cents[j]
        head = f'{{"sku": {self._catalogue.products[j].sku}, "quanitity": '
        price = f'"price": "{c // 100}.{c % 100:02d}", "total": "'
        fragments = tuple(
            f'{head}{q}, {price}{c * q // 100}.{c * q % 100:02d}"}}' for q in range(1, _MAX_QTY + 1)
        )
        self._items[j] = fragments
        return fragments

    def _product_table(self, available: int) -> list[int]:
        """Sampling table over the first ``available`` products, weighted by popularity.

        Each product appears 1 + round(7 * popularity) times, so a draw is one list lookup:
        bisecting cumulative float weights costs ~0.5us per item, most of a row's budget.
        """
        table = self._tables.get(available)
        if table is None:
            products = self._catalogue.products
            table = [
                j for j in range(available) for _ in range(1 + round(7 * products[j].popularity))
            ]
            self._tables[available] = table
        return table

    def _alternative_addresses(self) -> list[str]:
        """Delivery addresses that are not the customer's own (gift or work addresses).

        A fixed pool, drawn once from its own RNG: building a fresh address per row would cost
        more than the rest of the row.
        """
        if not self._addresses:
            catalogue = self._catalogue
            rng = random.Random(f"{catalogue.config.seed}:alternative-addresses")
            size = min(_MAX_ADDRESS_POOL, max(64, catalogue.customer_count // 4))
            self._addresses = [make_address(rng).delivery_json() for _ in range(size)]
        return self._addresses

    def rows(
        self,
        rng: random.Random,
        slot: int,
        count: int,
        stats: RowStats,
    ) -> Iterator[list[str]]:
        """Yield exactly ``count`` rows for hourly ``slot`` in chunks, re-deliveries included.

        Customers and products are drawn from those that arrived at or before ``slot``. Rows
        come in lists of up to ``CHUNK_ROWS`` so the per-row cost is one list append.
        """
        if count <= 0:
            return
        catalogue = self._catalogue
        day = catalogue.slot_date(slot)
        prefix = f"{day.isoformat()}T{slot % 24:02d}:"
        customers_avail = catalogue.customers_until[slot]
        new_customers = catalogue.customers_arriving(slot)
        new_start, new_span = new_customers.start, len(new_customers)
        products_avail = catalogue.products_until[slot // 24]
        if customers_avail == 0 or products_avail == 0:
            raise ValueError(f"slot {slot} has no customers or products to reference")
        table = self._product_table(products_avail)
        table_size = len(table)
        max_items = min(10, products_avail)
        addresses = self._alternative_addresses()
        n_addresses = len(addresses)

        # Hot loop: bind everything to locals.
        rand = rng.random
        random_bytes = rng.randbytes
        items = self._items
        item_fragments = self._item_fragments
        cents = self._cents
        ids = catalogue.customer_ids
        packed, offsets = catalogue.fragments()
        items_table = _ITEMS_TABLE
        qty_table = _QTY_TABLE
        minute_second = _MINUTE_SECOND
        variant = _UUID_VARIANT
        dup_rate = self._rates.duplicate_redelivery
        mismatch_rate = self._rates.line_price_mismatch
        alt_rate = ALTERNATIVE_DELIVERY_RATE
        same_rate = SAME_FOLDER_CUSTOMER_RATE if new_span else 0.0
        next_mismatch = _gap(rand, mismatch_rate)
        next_dup = _gap(rand, dup_rate)

        pending: list[str] = []
        chunk: list[str] = []
        chunk_rows = CHUNK_ROWS
        remaining = count
        distinct = duplicates = 0
        hexes = ""
        offset = 0
        while remaining > 0:
            if offset == len(hexes):
                # Random hex for up to a chunk of ids at once: one call instead of one per row.
                hexes = random_bytes(16 * min(remaining, chunk_rows)).hex()
                offset = 0
            h = hexes[offset : offset + 32]
            offset += 32
            micros = int(rand() * _MICROS_PER_HOUR)
            if same_rate and rand() < same_rate:
                index = new_start + int(rand() * new_span)
            else:
                index = int(rand() * customers_avail)
            if rand() < alt_rate:
                address = addresses[int(rand() * n_addresses)]
                customer = f'"customer_id": "{ids[index]:06d}", "delivery_address": {address}'
            else:
                customer = packed[offsets[index] : offsets[index + 1]]

            n_items = items_table[int(rand() * 1000)]
            if n_items == 1:
                # Fast path for the most common basket (38% of rows): no lists, no join.
                j = table[int(rand() * table_size)]
                q = qty_table[int(rand() * 100)]
                next_mismatch -= 1
                if next_mismatch:
                    basket = (items[j] or item_fragments(j))[q - 1]
                    cost = cents[j] * q
                else:
                    next_mismatch = _gap(rand, mismatch_rate)
                    basket, cost = self._mismatched_item(rng, j, q)
            else:
                if n_items > max_items:
                    n_items = max_items
                chosen: list[int] = []
                parts: list[str] = []
                cost = 0
                for _ in range(n_items):
                    j = table[int(rand() * table_size)]
                    if j in chosen:
                        # Same product drawn twice: keep one line per SKU, like the real data.
                        continue
                    chosen.append(j)
                    q = qty_table[int(rand() * 100)]
                    next_mismatch -= 1
                    if next_mismatch:
                        parts.append((items[j] or item_fragments(j))[q - 1])
                        cost += cents[j] * q
                    else:
                        next_mismatch = _gap(rand, mismatch_rate)
                        fragment, line_cost = self._mismatched_item(rng, j, q)
                        parts.append(fragment)
                        cost += line_cost
                basket = ", ".join(parts)
            line = (
                f'{{"transaction_id": "{h[:8]}-{h[8:12]}-4{h[13:16]}-{variant[h[16]]}{h[17:20]}-'
                f'{h[20:]}", '
                f'"transaction_time": "{prefix}{minute_second[micros // 1_000_000]}.'
                f'{micros % 1_000_000:06d}", {customer}, '
                f'"purchases": {{"products": [{basket}], '
                f'"total_cost": "{cost // 100}.{cost % 100:02d}"}}}}'
            )
            chunk.append(line)
            if len(chunk) >= chunk_rows:
                yield chunk
                chunk = []
            remaining -= 1
            distinct += 1
            next_dup -= 1
            if not next_dup:
                next_dup = _gap(rand, dup_rate)
                if remaining:
                    # Real data re-delivered rows several times (x5); 1-4 extra copies here.
                    copies = min(1 + int(rand() * 4), remaining)
                    pending.extend([line] * copies)
                    remaining -= copies
                    duplicates += copies
                    if len(pending) >= _MAX_PENDING:
                        chunk.extend(pending)
                        pending.clear()
        chunk.extend(pending)
        if chunk:
            yield chunk
        stats.distinct += distinct
        stats.duplicates += duplicates

    def _mismatched_item(self, rng: random.Random, j: int, q: int) -> tuple[str, int]:
        """A line item charged at a price other than the catalogue's; price*qty == total."""
        price = random_price_cents(rng)
        while price == self._cents[j]:
            price = random_price_cents(rng)
        sku = self._catalogue.products[j].sku
        fragment = (
            f'{{"sku": {sku}, "quanitity": {q}, "price": "{money(price)}", '
            f'"total": "{money(price * q)}"}}'
        )
        return fragment, price * q

    def one(self, rng: random.Random, slot: int) -> dict[str, Any]:
        """A single well-formed transaction as a dict (for hand-crafted bad-input rows)."""
        catalogue = self._catalogue
        day = catalogue.slot_date(slot)
        index = int(rng.random() * catalogue.customers_until[slot])
        customer = catalogue.customer(index)
        products_avail = catalogue.products_until[slot // 24]
        picks = rng.sample(range(products_avail), min(products_avail, rng.randint(1, 3)))
        lines = []
        cost = 0
        for j in picks:
            q = rng.randint(1, 3)
            c = self._cents[j]
            cost += c * q
            lines.append(
                {
                    "sku": catalogue.products[j].sku,
                    "quanitity": q,
                    "price": money(c),
                    "total": money(c * q),
                }
            )
        time = datetime.datetime.combine(day, datetime.time(slot % 24)) + datetime.timedelta(
            microseconds=rng.randrange(_MICROS_PER_HOUR)
        )
        return {
            "transaction_id": uuid4_text(rng),
            "transaction_time": time.isoformat(timespec="microseconds"),
            "customer_id": customer.id,
            "delivery_address": {
                "address": customer.address,
                "postcode": customer.postcode,
                "city": customer.city,
                "country": customer.country,
            },
            "purchases": {
                "products": lines,
                "total_cost": money(cost),
            },
        }
