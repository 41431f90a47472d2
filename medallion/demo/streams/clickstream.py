"""The ``clickstream`` topic: web shop events of visitors, with the truth silver and gold must find.

A session id is a visitor's browser session (the message key, so a session stays in one
partition). In it the visitor browses (``page_view``, ``click``, ``search``), may fill a cart
(``add_to_cart``, ``remove_from_cart``), check out (``checkout``) and buy (``purchase``).
Some session ids hold a second visit after more than 30 minutes of inactivity: gold's
30-minute rule makes that a session of its own (one session id has a gap of exactly 30
minutes, which does not split). Crawlers (Googlebot, bingbot) only view pages. Logged-in
visitors carry their customer id; newsletter links put it in the landing URL as well (``cid``),
so erasure must reach URLs and referrers too. Purchases of logged-in visitors name a real
transaction of the landing zone (``order_id``), placed just before its transaction time, so
gold can match them to ``fct_orders``; the others (guest checkouts of another shop system)
name an order id that does not exist there.

Delivery faults: some events are delivered twice (a producer retry: the same value at a new
offset), and a few messages are invalid: no event id, an unknown event type, a timestamp that
is not ISO, a value cut short (not JSON). :class:`ClickstreamTruth` states what silver and
gold must find.
"""

from __future__ import annotations

import datetime as dt
import json
import random
import zlib
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote_plus

from medallion.demo.records import uuid4_text
from medallion.demo.streams.context import StreamContext
from medallion.demo.streams.kcat import TopicMessage, assign_offsets, write_kcat_dump
from medallion.demo.streams.user_agents import ALL_USER_AGENTS, BOT_USER_AGENTS, BROWSER_USER_AGENTS

TOPIC = "clickstream"
SITE = "https://shop.example.com"
EVENT_TYPES: tuple[str, ...] = (
    "page_view",
    "click",
    "search",
    "add_to_cart",
    "remove_from_cart",
    "checkout",
    "purchase",
)
# Gold's inactivity rule: a gap longer than this starts a new session.
SESSION_TIMEOUT = dt.timedelta(minutes=30)

# How deep visitors go: the share of human visits reaching each step (cumulative draw).
_PURCHASE, _CHECKOUT, _CART = 0.16, 0.22, 0.40
_LOGGED_IN = 0.55  # share of human visits with a customer id (when there are customers)
_MATCHED = 0.75  # share of purchases that name a landing-zone transaction (when one is left)
_SECOND_VISIT = 0.12  # share of human session ids with a second visit after a long gap
_DUPLICATED = 0.04  # share of events delivered twice
_BOTS = 0.06  # share of sessions (after one of each user agent) from a crawler
_INVALID_PER_KIND = 2

_CATEGORIES = ("womens-clothing", "mens-clothing", "shoes", "home", "garden", "kitchen", "toys")
_SEARCHES = (
    "running shoes",
    "rain jacket",
    "coffee grinder",
    "garden hose",
    "wool jumper",
    "lego",
    "bed linen",
    "kids wellies",
)
_REFERRERS = (
    None,
    "https://www.google.com/",
    "https://www.bing.com/",
    "https://www.facebook.com/",
    "https://duckduckgo.com/",
)
_NEWSLETTER = 0.15  # share of logged-in visits arriving from a newsletter link (cid in the URL)

# The invalid messages and the first quarantine reason silver must give each.
INVALID_KINDS: dict[str, str] = {
    "missing_event_id": "event_id: required",
    "unknown_event_type": "event_type: must be a known event type",
    "bad_timestamp": "event_time: must be a timestamp (YYYY-MM-DDTHH:MM:SS)",
    "not_json": "record: invalid JSON",
}


@dataclass(frozen=True)
class FunnelCounts:
    """Sessions of one day (by session start, UTC) and how many reached each funnel step.

    A session reaches a step when it holds at least one event of that type; crawler sessions
    are not counted.
    """

    sessions: int
    page_view: int
    add_to_cart: int
    checkout: int
    purchase: int


@dataclass(frozen=True)
class InvalidEvent:
    """An invalid message: its kind, where it is, and the first reason silver must give."""

    kind: str
    partition: int
    offset: int
    reason: str


@dataclass(frozen=True)
class ClickstreamTruth:
    """What the generated topic holds, as silver and gold must find it.

    ``sessions`` counts gold sessions under the 30-minute rule (crawlers included), ``funnel``
    the non-crawler sessions per start date. ``customer_events`` counts the distinct valid
    events of each customer id; ``matched_purchases`` the purchases whose order id is a
    transaction of the landing zone (so in ``fct_orders``).
    """

    messages: int
    distinct_events: int
    duplicates: int
    invalid: tuple[InvalidEvent, ...]
    session_ids: int
    sessions: int
    bot_sessions: int
    funnel: Mapping[dt.date, FunnelCounts]
    purchases: int
    matched_purchases: int
    customer_events: Mapping[str, int]


@dataclass
class _Event:
    event_id: str
    event_type: str
    time: dt.datetime
    url: str
    referrer: str | None
    product_sku: str | None = None
    search_query: str | None = None
    order_id: str | None = None


@dataclass
class _Session:
    session_id: str
    customer_id: str | None
    user_agent: str
    is_bot: bool
    visits: list[list[_Event]] = field(default_factory=list)
    matched_order: bool = False


class _VisitBuilder:
    """Events of one visit: the page the visitor is on, the clock, and the events so far."""

    def __init__(self, rng: random.Random, start: dt.datetime, referrer: str | None) -> None:
        self.rng = rng
        self.time = start
        self.page_url = ""
        self.page_referrer = referrer
        self.events: list[_Event] = []

    def wait(self, low: float, high: float) -> None:
        """Let ``low`` to ``high`` seconds pass (milliseconds kept)."""
        self.time += dt.timedelta(milliseconds=int(self.rng.uniform(low, high) * 1000))

    def add(self, event_type: str, **fields: str | None) -> _Event:
        """An event of ``event_type`` on the current page, now."""
        event = _Event(
            uuid4_text(self.rng), event_type, self.time, self.page_url, self.page_referrer
        )
        for name, value in fields.items():
            setattr(event, name, value)
        self.events.append(event)
        return event

    def view(self, url: str) -> None:
        """Open ``url``: a page_view whose referrer is the page before it."""
        if self.page_url:
            self.page_referrer = self.page_url
        self.page_url = url
        self.add("page_view")


def _sku(rng: random.Random) -> str:
    return str(rng.randint(100_000, 999_999))


def _landing_url(rng: random.Random, customer_id: str | None, newsletter: bool) -> str:
    if newsletter and customer_id is not None:
        return (
            f"{SITE}/?utm_source=newsletter&utm_medium=email&utm_campaign=weekly&cid={customer_id}"
        )
    choice = rng.random()
    if choice < 0.4:
        return f"{SITE}/"
    if choice < 0.7:
        return f"{SITE}/c/{rng.choice(_CATEGORIES)}"
    return f"{SITE}/p/{_sku(rng)}"


def _human_visit(
    rng: random.Random,
    start: dt.datetime,
    customer_id: str | None,
    depth: str,
    order_id: str | None,
) -> list[_Event]:
    """One visit of a person reaching ``depth`` (browse, cart, checkout, purchase)."""
    newsletter = customer_id is not None and rng.random() < _NEWSLETTER
    referrer = None if newsletter else rng.choice(_REFERRERS)
    visit = _VisitBuilder(rng, start, referrer)
    visit.view(_landing_url(rng, customer_id, newsletter))
    products: list[str] = []
    for _ in range(rng.randint(1, 4)):
        visit.wait(3, 90)
        if rng.random() < 0.3:
            query = rng.choice(_SEARCHES)
            visit.view(f"{SITE}/search?q={quote_plus(query)}")
            visit.wait(1, 5)
            visit.add("search", search_query=query)
            visit.wait(2, 30)
        sku = _sku(rng)
        visit.add("click", product_sku=sku)
        visit.wait(0.5, 3)
        visit.view(f"{SITE}/p/{sku}")
        products.append(sku)
    if depth == "browse":
        return visit.events
    visit.wait(5, 60)
    visit.add("add_to_cart", product_sku=products[-1])
    if len(products) > 1 and rng.random() < 0.5:
        visit.wait(5, 60)
        visit.add("add_to_cart", product_sku=products[0])
        if rng.random() < 0.4:
            visit.wait(5, 60)
            visit.add("remove_from_cart", product_sku=products[0])
    if depth == "cart":
        return visit.events
    visit.wait(5, 60)
    visit.view(f"{SITE}/cart")
    visit.wait(5, 60)
    visit.add("checkout")
    if depth == "checkout":
        return visit.events
    visit.wait(30, 180)
    visit.view(f"{SITE}/checkout/confirmation?order={order_id}")
    visit.add("purchase", order_id=order_id)
    return visit.events


def _bot_visit(rng: random.Random, start: dt.datetime) -> list[_Event]:
    visit = _VisitBuilder(rng, start, None)
    visit.page_referrer = None
    for _ in range(rng.randint(3, 10)):
        url = rng.choice((f"{SITE}/p/{_sku(rng)}", f"{SITE}/c/{rng.choice(_CATEGORIES)}"))
        visit.page_url = url
        visit.add("page_view")
        visit.wait(1, 15)
    return visit.events


def _shifted(events: list[_Event], delta: dt.timedelta) -> list[_Event]:
    for event in events:
        event.time += delta
    return events


class _Planner:
    """Draws the sessions: user agent, customer, depth, times and purchases."""

    def __init__(self, rng: random.Random, context: StreamContext) -> None:
        self.rng = rng
        self.context = context
        self.start = dt.datetime.combine(context.start_date, dt.time())
        self.span = max((context.end - self.start).total_seconds() - 3600.0, 60.0)
        earliest = self.start + dt.timedelta(hours=1)
        orders = [t for t in context.transactions if earliest <= t.transaction_time < context.end]
        rng.shuffle(orders)
        self.orders = orders
        self.boundary_gap_done = False

    def _start_time(self) -> dt.datetime:
        return self.start + dt.timedelta(milliseconds=int(self.rng.uniform(0, self.span) * 1000))

    def _user_agent(self, index: int) -> str:
        if index < len(ALL_USER_AGENTS):  # every user agent at least once
            return ALL_USER_AGENTS[index]
        if self.rng.random() < _BOTS:
            return self.rng.choice(BOT_USER_AGENTS)
        return self.rng.choice(BROWSER_USER_AGENTS)

    def _depth(self) -> str:
        draw = self.rng.random()
        if draw < _PURCHASE:
            return "purchase"
        if draw < _CHECKOUT:
            return "checkout"
        if draw < _CART:
            return "cart"
        return "browse"

    def _customer(self) -> str | None:
        if self.context.customer_ids and self.rng.random() < _LOGGED_IN:
            return self.rng.choice(self.context.customer_ids)
        return None

    def session(self, index: int) -> _Session:
        """The ``index``-th session id and its visits."""
        user_agent = self._user_agent(index)
        session = _Session(
            uuid4_text(self.rng), None, user_agent, is_bot=user_agent in BOT_USER_AGENTS
        )
        if session.is_bot:
            session.visits.append(_bot_visit(self.rng, self._start_time()))
            return session
        depth = self._depth()
        order_id: str | None = None
        anchor: dt.datetime | None = None
        session.customer_id = self._customer()
        if depth == "purchase":
            if self.orders and self.rng.random() < _MATCHED:
                order = self.orders.pop()
                session.customer_id, order_id = order.customer_id, order.transaction_id
                session.matched_order = True
                seconds_before = self.rng.uniform(5, 90)
                anchor = order.transaction_time - dt.timedelta(seconds=seconds_before)
                anchor = anchor.replace(microsecond=anchor.microsecond // 1000 * 1000)
            else:
                order_id = uuid4_text(self.rng)  # a guest order of another system
        events = _human_visit(self.rng, self._start_time(), session.customer_id, depth, order_id)
        if anchor is not None:
            events = _shifted(events, anchor - events[-1].time)
        if not self.boundary_gap_done and len(events) >= 2:
            # exactly 30 minutes of inactivity after the landing page: still one session
            events[0].time = events[1].time - SESSION_TIMEOUT
            self.boundary_gap_done = True
        session.visits.append(events)
        if self.rng.random() < _SECOND_VISIT:
            gap = dt.timedelta(minutes=self.rng.uniform(35, 180))
            second = _human_visit(
                self.rng,
                events[-1].time + gap,
                session.customer_id,
                self.rng.choice(("browse", "browse", "cart")),
                None,
            )
            session.visits.append(second)
        return session


def _iso(time: dt.datetime) -> str:
    return time.isoformat(timespec="milliseconds")


def _value(session: _Session, event: _Event) -> dict[str, object]:
    value: dict[str, object] = {
        "event_id": event.event_id,
        "event_type": event.event_type,
        "event_time": _iso(event.time),
        "session_id": session.session_id,
        "customer_id": session.customer_id,
        "url": event.url,
        "referrer": event.referrer,
        "user_agent": session.user_agent,
    }
    for name in ("product_sku", "search_query", "order_id"):
        if getattr(event, name) is not None:
            value[name] = getattr(event, name)
    return value


def _text(value: dict[str, object]) -> str:
    return json.dumps(value, separators=(",", ":"))


def _millis(time: dt.datetime) -> int:
    return int(time.replace(tzinfo=dt.UTC).timestamp() * 1000)


def _partition(session_id: str, partitions: int) -> int:
    return zlib.crc32(session_id.encode()) % partitions


def _invalid_value(kind: str, rng: random.Random, session: _Session, event: _Event) -> str:
    value = _value(session, event)
    value["event_id"] = uuid4_text(rng)
    if kind == "missing_event_id":
        del value["event_id"]
    elif kind == "unknown_event_type":
        value["event_type"] = "hover"
    elif kind == "bad_timestamp":
        value["event_time"] = f"{event.time:%d/%m/%Y %H:%M}"
    text = _text(value)
    if kind == "not_json":  # cut short inside the session id (before any customer data)
        return text[: text.index('"session_id":"') + 24]
    return text


def _funnel(sessions: list[_Session]) -> dict[dt.date, FunnelCounts]:
    days: dict[dt.date, Counter[str]] = {}
    for session in sessions:
        if session.is_bot:
            continue
        for visit in session.visits:
            counts = days.setdefault(visit[0].time.date(), Counter())
            counts["sessions"] += 1
            for step in {event.event_type for event in visit}:
                counts[step] += 1
    return {
        day: FunnelCounts(
            sessions=counts["sessions"],
            page_view=counts["page_view"],
            add_to_cart=counts["add_to_cart"],
            checkout=counts["checkout"],
            purchase=counts["purchase"],
        )
        for day, counts in sorted(days.items())
    }


def generate_clickstream(
    context: StreamContext, *, sessions: int | None = None, partitions: int = 3
) -> tuple[list[TopicMessage], ClickstreamTruth]:
    """The topic's messages (offsets assigned, in delivery order) and their truth.

    ``sessions`` session ids (default 40 per day); the same context, sessions and partitions
    always give the same messages.
    """
    if partitions < 1:
        raise ValueError(f"partitions must be at least 1, got {partitions}")
    count = 40 * context.days if sessions is None else sessions
    if count < 0:
        raise ValueError(f"sessions must not be negative, got {count}")
    rng = random.Random(f"{context.seed}:clickstream")
    planner = _Planner(rng, context)
    built = [planner.session(index) for index in range(count)]

    timed: list[tuple[int, int, TopicMessage, str | None]] = []  # time, order, message, kind

    def emit(session: _Session, value: str, millis: int, kind: str | None = None) -> None:
        message = TopicMessage(
            topic=TOPIC,
            partition=_partition(session.session_id, partitions),
            key=session.session_id,
            value=value,
            timestamp_ms=millis,
        )
        timed.append((millis, len(timed), message, kind))

    duplicates = 0
    customer_events: Counter[str] = Counter()
    for session in built:
        for event in (event for visit in session.visits for event in visit):
            text = _text(_value(session, event))
            sent = _millis(event.time) + rng.randint(20, 800)
            emit(session, text, sent)
            if rng.random() < _DUPLICATED:
                emit(session, text, sent + rng.randint(1_000, 5_000))
                duplicates += 1
            if session.customer_id is not None:
                customer_events[session.customer_id] += 1

    humans = [session for session in built if not session.is_bot]
    if humans:
        for kind in INVALID_KINDS:
            for _ in range(_INVALID_PER_KIND):
                session = rng.choice(humans)
                event = rng.choice(rng.choice(session.visits))
                millis = _millis(event.time) + rng.randint(20, 800)
                emit(session, _invalid_value(kind, rng, session, event), millis, kind)

    timed.sort(key=lambda item: (item[0], item[1]))
    messages = assign_offsets(message for _, _, message, _ in timed)
    invalid = tuple(
        InvalidEvent(kind, message.partition, message.offset, INVALID_KINDS[kind])
        for (_, _, _, kind), message in zip(timed, messages, strict=True)
        if kind is not None
    )
    events = sum(len(visit) for session in built for visit in session.visits)
    purchases = [
        event
        for session in built
        for visit in session.visits
        for event in visit
        if event.event_type == "purchase"
    ]
    truth = ClickstreamTruth(
        messages=len(messages),
        distinct_events=events,
        duplicates=duplicates,
        invalid=invalid,
        session_ids=len(built),
        sessions=sum(len(session.visits) for session in built),
        bot_sessions=sum(len(session.visits) for session in built if session.is_bot),
        funnel=_funnel(built),
        purchases=len(purchases),
        matched_purchases=sum(session.matched_order for session in built),
        customer_events=dict(customer_events),
    )
    return messages, truth


def write_clickstream(
    kafka_out: Path,
    context: StreamContext,
    *,
    sessions: int | None = None,
    partitions: int = 3,
) -> ClickstreamTruth:
    """Write the topic as a kcat dump, ``kafka_out/clickstream/clickstream.jsonl.gz``."""
    messages, truth = generate_clickstream(context, sessions=sessions, partitions=partitions)
    write_kcat_dump(kafka_out / TOPIC / f"{TOPIC}.jsonl.gz", messages)
    return truth
