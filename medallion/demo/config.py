"""Configuration of the demo landing-zone generator.

Everything the generator does is a pure function of a :class:`DemoConfig`, so two runs with the
same configuration write byte-identical files.
"""

from __future__ import annotations

import dataclasses
import datetime
from dataclasses import dataclass
from typing import Any

# Customer ids are 6-digit strings in the real data, which caps the number of customers.
MAX_CUSTOMERS = 1_000_000

# Upper bound for the derived product count: the real catalogue has 2,480 products for 10,036
# transaction rows; beyond ~20k products a bigger catalogue only costs memory and start-up time.
MAX_DERIVED_PRODUCTS = 20_000


@dataclass(frozen=True)
class AnomalyRates:
    """Per-record (or per-file) probabilities of the anomalies that the real dataset contains.

    The defaults are close to what SOURCE.md reports for the real GDPR-challenge data.
    """

    # Real data: 9 of 10,000 transactions re-delivered (x5) inside one file.
    duplicate_redelivery: float = 0.001
    # Real data: 15 of 777 customers lack first_name, last_name or email.
    null_required: float = 0.02
    # Real data: 5, 5 and 8 of 2,480 products.
    zero_price: float = 0.002
    three_decimal_price: float = 0.002
    null_product_name: float = 0.003
    # Real data: 15 of 777 customer emails.
    mixed_case_email: float = 0.02
    # Real data: 2 of 968 files are plain JSON.
    plain_json_file: float = 0.002
    # The real data has no repeated customer ids; a small rate makes demo runs show versions.
    customer_update: float = 0.02
    # Real data: 19 real differences among ~30k line items.
    line_price_mismatch: float = 0.001

    def validate(self) -> None:
        """Raise ``ValueError`` if a rate is not a probability."""
        for field in dataclasses.fields(self):
            value = getattr(self, field.name)
            if not 0.0 <= value <= 1.0:
                raise ValueError(f"rates.{field.name} must be within [0, 1], got {value!r}")


@dataclass(frozen=True)
class DemoConfig:
    """What to generate. ``None`` counts are derived from ``transactions``."""

    seed: int = 42
    days: int = 3
    # Transaction rows to write over all days, re-deliveries included. Rows injected as bad
    # input (``bad_input=True``) come on top of this number.
    transactions: int = 500
    start_date: datetime.date = datetime.date(2020, 1, 1)
    customers: int | None = None
    products: int | None = None
    erasure_requests: int | None = None
    rates: AnomalyRates = AnomalyRates()
    bad_input: bool = True

    def resolved_customers(self) -> int:
        """Number of distinct customers (default: one per 13 transaction rows, at least 20)."""
        if self.customers is not None:
            return self.customers
        return min(MAX_CUSTOMERS, max(20, self.transactions // 13))

    def resolved_products(self) -> int:
        """Number of distinct products (default: one per 4 transaction rows, 30..20,000)."""
        if self.products is not None:
            return self.products
        return max(30, min(MAX_DERIVED_PRODUCTS, self.transactions // 4))

    def resolved_erasure_requests(self) -> int:
        """Number of customers with an erasure request (default: ~3% of customers, at least 2)."""
        if self.erasure_requests is not None:
            return self.erasure_requests
        return min(self.resolved_customers(), max(2, round(0.03 * self.resolved_customers())))

    def validate(self) -> None:
        """Raise ``ValueError`` for a configuration the generator cannot honour."""
        self.rates.validate()
        if self.days < 1:
            raise ValueError(f"days must be >= 1, got {self.days}")
        if self.transactions < 0:
            raise ValueError(f"transactions must be >= 0, got {self.transactions}")
        customers = self.resolved_customers()
        if not 1 <= customers <= MAX_CUSTOMERS:
            raise ValueError(f"customers must be within 1..{MAX_CUSTOMERS}, got {customers}")
        if self.resolved_products() < 1:
            raise ValueError(f"products must be >= 1, got {self.resolved_products()}")
        erasures = self.resolved_erasure_requests()
        if not 0 <= erasures <= customers:
            raise ValueError(f"erasure_requests must be within 0..customers, got {erasures}")

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready view including the derived counts (recorded in the manifest)."""
        return {
            "seed": self.seed,
            "days": self.days,
            "transactions": self.transactions,
            "start_date": self.start_date.isoformat(),
            "customers": self.customers,
            "products": self.products,
            "erasure_requests": self.erasure_requests,
            "rates": dataclasses.asdict(self.rates),
            "bad_input": self.bad_input,
            "resolved": {
                "customers": self.resolved_customers(),
                "products": self.resolved_products(),
                "erasure_requests": self.resolved_erasure_requests(),
            },
        }
