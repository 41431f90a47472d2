"""The ``orders_cdc`` topic: change events of an order database, as a CDC connector emits them.

Every order lives in its own id space (``ord-000001``, ...) and belongs to a customer of the
landing zone (``context.customer_ids``, digit ids only). Its life is a chain of changes
committed in time order: ``c`` created, sometimes an amount correction (``u``, status still
created), then ``u`` paid, shipped, delivered, or cancelled (from created or paid); some
orders are deleted afterwards (``d``), followed by a tombstone (null value). Changes that
would fall after the end of the context's time range are not made: such orders stay open.

Event value (one JSON object per message, key = ``order_id``)::

    {"change_id": "chg-00000042", "op": "u", "order_id": "ord-000007",
     "ts": "2020-01-01T10:11:12.345", "status": "paid", "amount": "25.00",
     "currency": "GBP", "customer_id": "123456"}

``status``, ``amount``, ``currency`` and ``customer_id`` are the order after the change; a
delete carries the order as it was when deleted. ``ts`` is the commit time (UTC, no zone) and
the message's create time. Partition = CRC-32 of the order id modulo ``partitions``, so all
changes of an order share a partition and are in commit order by offset.

The dump is messy on purpose: files list messages out of offset order, producer retries
repeat a change (same ``change_id``, same value) at a later offset, usually after the order's
next change, so "latest offset wins" gives a stale state, and ``bad_input`` adds invalid
values (broken JSON, a missing field, unknown op or status, a bad amount, an order id that is
not the key) for silver's quarantine. :class:`OrdersCdcTruth` is what silver must derive.
"""

from __future__ import annotations

import datetime as dt
import json
import random
import re
import zlib
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path

from medallion.demo.streams.context import StreamContext
from medallion.demo.streams.kcat import TopicMessage, assign_offsets, write_kcat_dump

TOPIC = "orders_cdc"
STATUSES = ("created", "paid", "shipped", "delivered", "cancelled")
DUMP_FILES = ("orders_cdc-0001.jsonl.gz", "orders_cdc-0002.jsonl.gz")

_ORDERS_PER_DAY = 60
_DIGITS = re.compile(r"[0-9]+")
_EPOCH = dt.datetime(1970, 1, 1)

# Chances along an order's life, and the delays (minutes, low-high) between changes.
_AMOUNT_CORRECTION = 0.15
_CANCEL_CREATED = 0.1
_CANCEL_PAID = 0.05
_DELETE_CANCELLED = 0.35
_DELETE_OTHER = 0.05
_DUPLICATE_RATE = 0.06
_DELAYS = {
    "correction": (1, 30),
    "paid": (5, 180),
    "cancelled": (10, 300),
    "shipped": (120, 1200),
    "delivered": (240, 2400),
    "deleted": (60, 1440),
}


@dataclass(frozen=True)
class OrderState:
    """An order as the database holds it after a change."""

    status: str
    amount: str  # decimal text with 2 decimals, e.g. "25.00"
    currency: str
    customer_id: str


@dataclass(frozen=True)
class OrderChange:
    """One committed change of an order: what a CDC event carries."""

    change_id: str
    op: str  # c (create), u (update) or d (delete)
    order_id: str
    ts: dt.datetime
    state: OrderState

    def to_value(self) -> str:
        """The message value (JSON text)."""
        return json.dumps(
            {
                "change_id": self.change_id,
                "op": self.op,
                "order_id": self.order_id,
                "ts": self.ts.isoformat(timespec="milliseconds"),
                "status": self.state.status,
                "amount": self.state.amount,
                "currency": self.state.currency,
                "customer_id": self.state.customer_id,
            }
        )


@dataclass(frozen=True)
class OrdersCdcTruth:
    """What silver and gold must derive from the topic.

    ``current``: the final state of each order that is not deleted; ``deleted``: the ids of
    deleted orders; ``changes``: the distinct valid change events in commit order;
    ``duplicates``, ``invalid``, ``tombstones``: the extra messages injected.
    """

    current: Mapping[str, OrderState]
    deleted: frozenset[str]
    changes: tuple[OrderChange, ...]
    duplicates: int
    invalid: int
    tombstones: int
    partitions: int = 3
    messages: int = 0

    @property
    def distinct_changes(self) -> int:
        """Number of distinct valid change events (what silver's history holds)."""
        return len(self.changes)

    def history(self, order_id: str) -> tuple[OrderChange, ...]:
        """The changes of one order, in commit order."""
        return tuple(change for change in self.changes if change.order_id == order_id)

    def entered_at(self, order_id: str) -> dict[str, dt.datetime]:
        """When the order first entered each status it reached (deletes excluded)."""
        entered: dict[str, dt.datetime] = {}
        for change in self.history(order_id):
            if change.op != "d":
                entered.setdefault(change.state.status, change.ts)
        return entered

    def status_entries_per_day(self) -> Counter[tuple[dt.date, str]]:
        """Orders entering each status per day; deletions count under ``deleted``."""
        entries: set[tuple[dt.date, str, str]] = set()
        previous: dict[str, str] = {}
        for change in self.changes:
            if change.op == "d":
                entries.add((change.ts.date(), "deleted", change.order_id))
            elif previous.get(change.order_id) != change.state.status:
                entries.add((change.ts.date(), change.state.status, change.order_id))
            previous[change.order_id] = change.state.status
        return Counter((day, status) for day, status, _ in entries)

    def status_at_end_of_day(self, day: dt.date) -> Counter[str]:
        """Orders per status at the end of ``day`` (deleted orders under ``deleted``)."""
        state: dict[str, str] = {}
        for change in self.changes:
            if change.ts.date() <= day:
                state[change.order_id] = "deleted" if change.op == "d" else change.state.status
        return Counter(state.values())


def partition_of(order_id: str, partitions: int) -> int:
    """The partition of an order's changes: a stable hash (CRC-32) of its id."""
    return zlib.crc32(order_id.encode("utf-8")) % partitions


def _minutes(rng: random.Random, step: str) -> dt.timedelta:
    low, high = _DELAYS[step]
    return dt.timedelta(milliseconds=rng.randint(low * 60_000, high * 60_000))


def _cents(rng: random.Random) -> str:
    cents = rng.randint(500, 40_000)
    return f"{cents // 100}.{cents % 100:02d}"


def _order_life(
    rng: random.Random, customer_id: str, start: dt.datetime, end: dt.datetime
) -> list[tuple[str, dt.datetime, OrderState]]:
    """The (op, ts, state) changes of one order, all before ``end``."""
    span_ms = int((end - start).total_seconds() * 1000 * 0.9)
    created = start + dt.timedelta(milliseconds=rng.randint(0, span_ms))
    state = OrderState("created", _cents(rng), "EUR" if rng.random() < 0.15 else "GBP", customer_id)
    life = [("c", created, state)]
    plan: list[tuple[str, str]] = []
    if rng.random() < _AMOUNT_CORRECTION:
        plan.append(("correction", "created"))
    if rng.random() < _CANCEL_CREATED:
        plan.append(("cancelled", "cancelled"))
    elif rng.random() < _CANCEL_PAID:
        plan += [("paid", "paid"), ("cancelled", "cancelled")]
    else:
        plan += [("paid", "paid"), ("shipped", "shipped"), ("delivered", "delivered")]
    delete_chance = _DELETE_CANCELLED if plan[-1][1] == "cancelled" else _DELETE_OTHER
    if rng.random() < delete_chance:
        plan.append(("deleted", "deleted"))
    ts = created
    for step, status in plan:
        ts += _minutes(rng, step)
        if ts >= end:
            break
        if step == "deleted":
            life.append(("d", ts, state))
        elif step == "correction":
            state = replace(state, amount=_cents(rng))
            life.append(("u", ts, state))
        else:
            state = replace(state, status=status)
            life.append(("u", ts, state))
    return life


def _timestamp_ms(ts: dt.datetime) -> int:
    return (ts - _EPOCH) // dt.timedelta(milliseconds=1)


def _invalid_values(change: OrderChange) -> list[tuple[str, str]]:
    """(key, value) of invalid messages about the order of ``change`` (quarantine material)."""
    good = json.loads(change.to_value())
    ts_text = good["ts"]
    broken = (
        '{"change_id": "chg-broken", "op": "u", "order_id": "'
        + change.order_id
        + '", "ts": "'
        + ts_text[:10]
    )
    missing = {key: value for key, value in good.items() if key != "change_id"}
    return [
        (change.order_id, broken),
        (change.order_id, json.dumps(missing)),
        (change.order_id, json.dumps({**good, "change_id": "chg-bad-op", "op": "x"})),
        (change.order_id, json.dumps({**good, "change_id": "chg-bad-amount", "amount": "12,50"})),
        (change.order_id, json.dumps({**good, "change_id": "chg-bad-status", "status": "lost"})),
        (
            change.order_id,
            json.dumps({**good, "change_id": "chg-bad-key", "order_id": "ord-999999"}),
        ),
    ]


def generate_orders_cdc(
    context: StreamContext,
    *,
    orders: int | None = None,
    partitions: int = 3,
    bad_input: bool = True,
) -> tuple[list[TopicMessage], OrdersCdcTruth]:
    """The topic's messages (offsets assigned, in offset order) and the truth they encode.

    ``orders`` defaults to 60 per day of the context; ``bad_input`` adds six invalid values.
    Deterministic for the context's seed.
    """
    if partitions < 1:
        raise ValueError("partitions must be >= 1")
    customers = [c for c in context.customer_ids if _DIGITS.fullmatch(c)]
    if not customers:
        raise ValueError("the stream context has no customer with a digit id")
    rng = random.Random(f"{context.seed}:orders_cdc")
    count = orders if orders is not None else _ORDERS_PER_DAY * context.days
    start = dt.datetime.combine(context.start_date, dt.time())

    # Every order's life, then all changes in commit order with their change ids.
    drafted: list[tuple[dt.datetime, int, int, str, str, OrderState]] = []
    for index in range(count):
        order_id = f"ord-{index + 1:06d}"
        customer_id = customers[rng.randrange(len(customers))]
        for step, (op, ts, state) in enumerate(_order_life(rng, customer_id, start, context.end)):
            drafted.append((ts, index, step, op, order_id, state))
    drafted.sort(key=lambda item: item[:3])
    changes = tuple(
        OrderChange(f"chg-{number:08d}", op, order_id, ts, state)
        for number, (ts, _, _, op, order_id, state) in enumerate(drafted, start=1)
    )

    # Positions within each partition: originals at 0, 1, 2, ...; extras between them.
    placed: list[tuple[float, TopicMessage]] = []
    position_of: dict[str, float] = {}
    next_position: Counter[int] = Counter()
    for change in changes:
        partition = partition_of(change.order_id, partitions)
        position = float(next_position[partition])
        next_position[partition] += 1
        position_of[change.change_id] = position
        message = TopicMessage(
            TOPIC, partition, change.order_id, change.to_value(), _timestamp_ms(change.ts)
        )
        placed.append((position, message))
        if change.op == "d":  # the tombstone right after the delete
            placed.append((position + 0.9, replace(message, value=None)))
    tombstones = sum(1 for change in changes if change.op == "d")

    # Producer retries: the same change again, after the order's next change when it has one.
    following: dict[str, str] = {}  # change id -> the change id of the order's next change
    last_seen: dict[str, str] = {}
    for change in reversed(changes):
        following[change.change_id] = last_seen.get(change.order_id, change.change_id)
        last_seen[change.order_id] = change.change_id
    duplicated = [change for change in changes if rng.random() < _DUPLICATE_RATE]
    for change in duplicated:
        position = position_of[following[change.change_id]] + 0.5
        partition = partition_of(change.order_id, partitions)
        message = TopicMessage(
            TOPIC, partition, change.order_id, change.to_value(), _timestamp_ms(change.ts)
        )
        placed.append((position + rng.random() * 0.3, message))

    invalid = 0
    if bad_input and changes:
        victim = changes[rng.randrange(len(changes))]
        partition = partition_of(victim.order_id, partitions)
        for key, value in _invalid_values(victim):
            position = rng.random() * next_position[partition]
            placed.append(
                (position, TopicMessage(TOPIC, partition, key, value, _timestamp_ms(victim.ts)))
            )
            invalid += 1

    placed.sort(key=lambda item: (item[1].partition, item[0]))
    messages = assign_offsets(message for _, message in placed)

    current: dict[str, OrderState] = {}
    deleted: set[str] = set()
    for change in changes:
        if change.op == "d":
            current.pop(change.order_id, None)
            deleted.add(change.order_id)
        else:
            current[change.order_id] = change.state
            deleted.discard(change.order_id)
    truth = OrdersCdcTruth(
        current=dict(sorted(current.items())),
        deleted=frozenset(deleted),
        changes=changes,
        duplicates=len(duplicated),
        invalid=invalid,
        tombstones=tombstones,
        partitions=partitions,
        messages=len(messages),
    )
    return messages, truth


def write_orders_cdc(
    kafka_out: Path,
    context: StreamContext,
    *,
    orders: int | None = None,
    partitions: int = 3,
    bad_input: bool = True,
) -> OrdersCdcTruth:
    """Write the topic as kcat dumps under ``kafka_out/orders_cdc/``; return the truth.

    The messages are shuffled (seeded) and split over two gzipped files, so the dump lists
    them out of offset order and mixes partitions.
    """
    messages, truth = generate_orders_cdc(
        context, orders=orders, partitions=partitions, bad_input=bad_input
    )
    shuffled = list(messages)
    random.Random(f"{context.seed}:orders_cdc:dump").shuffle(shuffled)
    half = len(shuffled) // 2
    folder = kafka_out / TOPIC
    write_kcat_dump(folder / DUMP_FILES[0], shuffled[:half])
    write_kcat_dump(folder / DUMP_FILES[1], shuffled[half:])
    return truth
