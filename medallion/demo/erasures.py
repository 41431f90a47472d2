"""Erasure requests: who asks to be forgotten, on which day, and in which shape."""

from __future__ import annotations

import random
from dataclasses import dataclass

from medallion.demo.catalogue import HOURS_PER_DAY, Catalogue
from medallion.demo.records import erasure_line, mixed_case

# Variants of bad erasure input (bad_input=True); names are also manifest bad_input kinds.
ID_ONLY = "erasure_id_only"
EMAIL_ONLY = "erasure_email_only"
EMAIL_MIXED_CASE = "erasure_email_mixed_case"
EMAIL_PADDED = "erasure_email_padded"
ERASURE_VARIANTS: tuple[str, ...] = (ID_ONLY, EMAIL_ONLY, EMAIL_MIXED_CASE, EMAIL_PADDED)

# Beyond the first requests (which cover every variant), the share of requests with a variant.
_RANDOM_VARIANT_RATE = 0.1
# Attempts to find a not-yet-chosen customer with an email before giving up on a request.
_MAX_ATTEMPTS = 64


@dataclass(frozen=True)
class ErasureRequest:
    """One erasure request line, as written."""

    day: int  # day index; the file is date=<start+day>/hour=00
    customer_index: int
    customer_id: str | None  # None: the line has no "customer-id" key
    email: str | None  # None: the line has no "email" key
    variants: tuple[str, ...] = ()

    def to_line(self) -> str:
        """The NDJSON line."""
        return erasure_line(self.customer_id, self.email)


def erasure_days(days: int) -> range:
    """Days that can hold erasure requests: the last quarter, plus the day after the last day.

    The real data's requests arrive in its last ten days and on 2020-02-01, a day with no other
    files; day 0 never qualifies, so every request targets a customer who arrived earlier.
    """
    return range(max(1, days - max(1, days // 4)), days + 1)


def _variant_plan(count: int, rng: random.Random) -> list[tuple[str, ...]]:
    # The first requests cover every variant (combined when there are fewer than four), so
    # bad_input always shows each shape at least once when there are >= 2 requests.
    if count >= 4:
        plan: list[tuple[str, ...]] = [(v,) for v in ERASURE_VARIANTS]
    elif count == 3:
        plan = [(ID_ONLY,), (EMAIL_ONLY, EMAIL_MIXED_CASE), (EMAIL_PADDED,)]
    elif count == 2:
        plan = [(ID_ONLY,), (EMAIL_ONLY, EMAIL_MIXED_CASE, EMAIL_PADDED)]
    else:
        plan = [(EMAIL_MIXED_CASE, EMAIL_PADDED)] * count
    for _ in range(count - len(plan)):
        if rng.random() < _RANDOM_VARIANT_RATE:
            plan.append((rng.choice(ERASURE_VARIANTS),))
        else:
            plan.append(())
    rng.shuffle(plan)
    return plan


def _shape(
    rng: random.Random, customer_id: str, email: str, variants: tuple[str, ...]
) -> tuple[str | None, str | None]:
    written_id: str | None = customer_id
    written_email: str | None = email
    if EMAIL_MIXED_CASE in variants:
        written_email = mixed_case(rng, email)
    if EMAIL_PADDED in variants:
        written_email = f"{' ' * rng.randint(1, 2)}{written_email} "
    if ID_ONLY in variants:
        written_email = None
    if EMAIL_ONLY in variants:
        written_id = None
    return written_id, written_email


def plan_erasures(catalogue: Catalogue, bad_input: bool) -> list[ErasureRequest]:
    """Pick distinct customers (with an email, arrived before the request day) to erase."""
    config = catalogue.config
    rng = random.Random(f"{config.seed}:erasures")
    wanted = config.resolved_erasure_requests()
    days = erasure_days(config.days)
    variants = _variant_plan(wanted, rng) if bad_input else [()] * wanted
    chosen: set[int] = set()
    requests: list[ErasureRequest] = []
    for shape in variants:
        day = days[int(rng.random() * len(days))]
        # Customers that arrived strictly before date=<day>/hour=00.
        arrived = catalogue.customers_until[min(day * HOURS_PER_DAY, catalogue.slots) - 1]
        for _ in range(_MAX_ATTEMPTS):
            index = int(rng.random() * arrived)
            if index in chosen:
                continue
            customer = catalogue.customer(index)
            if customer.email is None:
                continue
            chosen.add(index)
            written_id, written_email = _shape(rng, customer.id, customer.email, shape)
            requests.append(ErasureRequest(day, index, written_id, written_email, shape))
            break
    requests.sort(key=lambda r: (r.day, r.customer_index))
    return requests


def pick_duplicate(requests: list[ErasureRequest], rng: random.Random) -> ErasureRequest | None:
    """The request that is delivered twice (the real data repeats one in a plain .json file)."""
    plain = [r for r in requests if not r.variants]
    pool = plain or requests
    if not pool:
        return None
    return pool[int(rng.random() * len(pool))]
