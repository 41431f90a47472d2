"""The customer and product catalogue: who and what exists, and when each arrives.

Products are held in memory (at most tens of thousands). Customers can number hundreds of
thousands, so only their ids and arrival slots are stored up front; a customer's full record is a
pure function of ``(seed, index)`` and is rebuilt on demand. Only the short JSON fragment that
transaction rows need is kept, packed into one string with an offset table: one object instead
of hundreds of thousands keeps memory low and stays shared (copy-on-write) with forked workers.
"""

from __future__ import annotations

import datetime
import random
from array import array
from bisect import bisect_right

from medallion.demo.config import MAX_CUSTOMERS, DemoConfig
from medallion.demo.records import Customer, Product, make_customer, make_product

HOURS_PER_DAY = 24

# Share of the catalogue that is already there on the first day (real data: 772 of 2,480).
_FIRST_DAY_PRODUCT_SHARE = 0.35

# Customer ids drawn but never used by a real customer (see spare_customer_ids).
_SPARE_IDS = 8

# Lowest SKU: real SKUs are 5-digit ints.
_SKU_LOW = 10_000


class Catalogue:
    """Customers and products with their arrival times, derived from the config alone."""

    def __init__(self, config: DemoConfig) -> None:
        self.config = config
        self.slots = config.days * HOURS_PER_DAY
        self._build_customers()
        self._build_products()

    # -- customers ---------------------------------------------------------------------------

    def _build_customers(self) -> None:
        config = self.config
        count = config.resolved_customers()
        rng = random.Random(f"{config.seed}:customers")
        # A few unused ids are drawn too, for bad-input rows that must not collide with anyone.
        spare = min(_SPARE_IDS, MAX_CUSTOMERS - count)
        ids = rng.sample(range(MAX_CUSTOMERS), count + spare)
        self.customer_ids = array("i", ids[:count])
        self.spare_customer_ids = [f"{i:06d}" for i in ids[count:]]
        # Arrival slots skew early (u**2) like the real data, where most customers arrive in
        # the first days; customer 0 arrives at slot 0 so the first hour can have transactions.
        slots = [0] + [int(self.slots * rng.random() ** 2) for _ in range(count - 1)]
        slots.sort()
        self.customer_slot = array("i", slots)
        # customers_until[s]: number of customers that arrived at or before slot s.
        self.customers_until = [bisect_right(slots, s) for s in range(self.slots)]
        # Fragments collected while customers are written (in index order), then packed.
        self._pending: list[str] = []
        self._packed = ""
        self._offsets = array("q", [0])

    @property
    def customer_count(self) -> int:
        """Number of distinct customers."""
        return len(self.customer_ids)

    def customer_id(self, index: int) -> str:
        """The 6-digit id of customer ``index``."""
        return f"{self.customer_ids[index]:06d}"

    def customers_arriving(self, slot: int) -> range:
        """Indices of the customers whose first row lands in ``slot``."""
        start = self.customers_until[slot - 1] if slot > 0 else 0
        return range(start, self.customers_until[slot])

    def slot_date(self, slot: int) -> datetime.date:
        """Calendar date of an hourly slot."""
        return self.config.start_date + datetime.timedelta(days=slot // HOURS_PER_DAY)

    def customer(self, index: int) -> Customer:
        """The first version of customer ``index`` (rebuilt from its own seeded RNG)."""
        # A per-customer RNG makes the record independent of which file asks for it first.
        rng = random.Random(f"{self.config.seed}:customer:{index}")
        arrival = self.slot_date(self.customer_slot[index])
        return make_customer(rng, self.customer_id(index), arrival, self.config.rates)

    def remember_fragment(self, index: int, customer: Customer) -> None:
        """Keep the fragment of a customer that was just built anyway (saves a rebuild).

        Customers are written in index order, so fragments arrive in order; anything out of
        order is ignored and rebuilt by :meth:`fragments`.
        """
        if index == len(self._offsets) - 1 + len(self._pending):
            self._pending.append(customer.delivery_fragment())

    def fragments(self) -> tuple[str, array[int]]:
        """``(packed, offsets)``: customer ``i``'s ``"customer_id": ..., "delivery_address":
        {...}`` JSON fragment is ``packed[offsets[i]:offsets[i + 1]]``.

        Packs what :meth:`remember_fragment` collected and builds any missing fragment.
        """
        built = len(self._offsets) - 1
        if built < self.customer_count:
            pending = self._pending
            pending.extend(
                self.customer(i).delivery_fragment()
                for i in range(built + len(pending), self.customer_count)
            )
            offsets = self._offsets
            position = offsets[-1]
            for fragment in pending:
                position += len(fragment)
                offsets.append(position)
            self._packed += "".join(pending)
            self._pending = []
        return self._packed, self._offsets

    # -- products ----------------------------------------------------------------------------

    def _build_products(self) -> None:
        config = self.config
        count = config.resolved_products()
        days = config.days
        rng = random.Random(f"{config.seed}:products")
        # Keep SKUs 5-digit (90,000 values) unless the catalogue is too big for that range.
        sku_high = max(99_999, _SKU_LOW + 2 * count)
        skus = rng.sample(range(_SKU_LOW, sku_high + 1), count)
        first_day = count
        if days > 1:
            first_day = max(1, min(count, round(count * _FIRST_DAY_PRODUCT_SHARE)))
        later = count - first_day
        # Like the real data, every day gets a products file when there are enough products:
        # one product per later day first, the rest on random later days.
        guaranteed = list(range(1, days)) if later >= days - 1 else []
        arrival_days = [0] * first_day + sorted(
            guaranteed
            + [1 + int(rng.random() * (days - 1)) for _ in range(later - len(guaranteed))]
        )
        self.products: list[Product] = [make_product(rng, sku, config.rates) for sku in skus]
        self.product_day = arrival_days
        # products_until[d]: number of products that arrived on or before day d.
        self.products_until = [bisect_right(arrival_days, d) for d in range(days)]

    def products_arriving(self, day: int) -> range:
        """Indices of the products delivered in the products file of ``day``."""
        start = self.products_until[day - 1] if day > 0 else 0
        return range(start, self.products_until[day])
