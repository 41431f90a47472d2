"""Record factories: customers, addresses, products and erasure requests.

Every factory takes the ``random.Random`` to draw from, so callers decide how randomness is
seeded. Serialisers reproduce the real dataset byte for byte: ``json.dumps`` with its default
separators (``", "`` and ``": "``) and the real key order.
"""

from __future__ import annotations

import dataclasses
import datetime
import json
import random
from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import accumulate
from json.encoder import encode_basestring_ascii as _q
from typing import Any, TypeVar

from medallion.demo import vocab
from medallion.demo.config import AnomalyRates

_T = TypeVar("_T")

_SEGMENT_CUM = tuple(accumulate(vocab.SEGMENT_WEIGHTS))
_CATEGORY_CUM = tuple(accumulate(vocab.CATEGORY_WEIGHTS))

# Price endings seen in the real catalogue (.99, .00, .50, ... with a few arbitrary cents).
_PRICE_ENDINGS: tuple[int, ...] = (99, 0, 50, 98, 95, 25, 10, -1)
_PRICE_ENDING_CUM = tuple(accumulate((0.26, 0.25, 0.12, 0.12, 0.08, 0.075, 0.03, 0.065)))

_DOB_FIRST = datetime.date(1930, 1, 1).toordinal()
_DOB_LAST = datetime.date(2005, 12, 31).toordinal()

# RFC 4122 variant digit for a random hex digit (the two top bits become 10).
_UUID_VARIANT = {digit: "89ab"[int(digit, 16) & 3] for digit in "0123456789abcdef"}


def money(cents: int) -> str:
    """Format integer cents as the real data's 2-decimal price string (``2100`` -> ``"21.00"``)."""
    return f"{cents // 100}.{cents % 100:02d}"


def uuid4_text(rng: random.Random) -> str:
    """A version-4 UUID string drawn from ``rng`` (``uuid.uuid4()`` is not reproducible)."""
    h = rng.randbytes(16).hex()
    return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-{_UUID_VARIANT[h[16]]}{h[17:20]}-{h[20:]}"


def _pick(rng: random.Random, items: Sequence[_T]) -> _T:
    # rng.choice/randint cost ~0.5us each through _randbelow; one random() call is ~4x cheaper,
    # and customers are built hundreds of thousands of times.
    return items[int(rng.random() * len(items))]


def _between(rng: random.Random, low: int, high: int) -> int:
    """Uniform int in [low, high] (like ``randint``, via a single ``random()`` call)."""
    return low + int(rng.random() * (high - low + 1))


def _weighted(rng: random.Random, items: Sequence[_T], cum: Sequence[float]) -> _T:
    index = bisect_right(cum, rng.random() * cum[-1])
    return items[min(index, len(items) - 1)]


def _js(value: str | None) -> str:
    """JSON for an optional string, exactly as ``json.dumps`` writes it."""
    return "null" if value is None else _q(value)


@dataclass(frozen=True, slots=True)
class Address:
    """A postal address as it appears in customers and in transaction delivery addresses."""

    address: str
    city: str
    country: str
    postcode: str
    dialling_code: str

    def delivery_json(self) -> str:
        """The ``delivery_address`` object, keys in the real order."""
        return (
            f'{{"address": {_q(self.address)}, "postcode": {_q(self.postcode)}, '
            f'"city": {_q(self.city)}, "country": {_q(self.country)}}}'
        )


def _uk_postcode(rng: random.Random, city: vocab.UkCity) -> str:
    area, low, high = _pick(rng, city.areas)
    inward = f"{_between(rng, 0, 9)}{''.join(rng.choices(vocab.UK_INWARD_LETTERS, k=2))}"
    return f"{area}{_between(rng, low, high)} {inward}"


def _eircode(rng: random.Random, city: vocab.IrishCity) -> str:
    chars = vocab.EIRCODE_CHARS
    # Unique identifiers start with a letter in practice, which makes them look right.
    first = _pick(rng, chars[10:])
    return f"{_pick(rng, city.routing_keys)} {first}{''.join(rng.choices(chars, k=3))}"


def _street(rng: random.Random) -> str:
    return f"{_pick(rng, vocab.STREET_NAMES)} {_pick(rng, vocab.STREET_SUFFIXES)}"


def make_address(rng: random.Random) -> Address:
    """A UK (75%) or Irish (25%) address; some have a flat line before the street (``\\n``)."""
    if rng.random() < 0.75:
        uk = _pick(rng, vocab.UK_CITIES)
        roll = rng.random()
        street = f"{_between(rng, 1, 180)} {_street(rng)}"
        if roll < 0.2:
            street = f"Flat {_between(rng, 1, 60)}\n{street}"
        elif roll < 0.3:
            street = f"{_between(rng, 1, 40)}{_pick(rng, 'ABCD')} {_street(rng)}"
        return Address(street, uk.name, "United Kingdom", _uk_postcode(rng, uk), uk.dialling_code)
    ie = _pick(rng, vocab.IRISH_CITIES)
    roll = rng.random()
    if roll < 0.4:
        street = f"{_between(rng, 1, 120)} {_street(rng)}"
    elif roll < 0.8:
        estate = f"{_pick(rng, vocab.IRISH_ESTATES)} {_pick(rng, vocab.IRISH_ESTATE_KINDS)}"
        street = f"{_between(rng, 1, 90)} {estate}"
    else:
        street = f"Apartment {_between(rng, 1, 80)}\n{_between(rng, 1, 60)} {_street(rng)}"
    return Address(street, ie.name, "Republic of Ireland", _eircode(rng, ie), ie.dialling_code)


def _phone(rng: random.Random, address: Address) -> str:
    """A phone number in one of the mixed national/international formats of the real data."""
    digits = f"{_between(rng, 0, 999):03d}"
    form = rng.random()
    if address.country == "United Kingdom":
        if rng.random() < 0.35:
            # Ofcom drama range 07700 900xxx: realistic and guaranteed not to be a real line.
            if form < 0.5:
                return f"07700 900{digits}"
            return f"+44 7700 900{digits}" if form < 0.75 else f"+447700900{digits}"
        code = address.dialling_code
        # Drama-style local numbers (496 0xxx) padded to the length the area code needs.
        if len(code) == 3:
            local = f"4960{_between(rng, 0, 9999):04d}"
            spaced = f"{local[:4]} {local[4:]}"
        else:
            local = f"4960{digits}" if len(code) == 4 else f"960{digits}"
            spaced = f"{local[:3]} {local[3:]}"
        if form < 0.3:
            return f"{code} {spaced}"
        if form < 0.45:
            return f"({code}) {local}"
        if form < 0.7:
            return f"+44(0){code[1:]} {spaced}"
        return f"+44{code[1:]}{local}" if form < 0.85 else f"{code}{local}"
    if rng.random() < 0.45:
        prefix = _pick(rng, ("83", "85", "86", "87", "89"))
        rest = f"{_between(rng, 0, 9999999):07d}"
        if form < 0.5:
            return f"0{prefix} {rest[:3]} {rest[3:]}"
        return f"+353 {prefix} {rest[:3]} {rest[3:]}" if form < 0.8 else f"+353{prefix}{rest}"
    code = address.dialling_code
    local = f"{_between(rng, 200, 999)} {_between(rng, 0, 9999):04d}"
    if form < 0.5:
        return f"{code} {local}"
    return f"+353 {code[1:]} {local}" if form < 0.8 else f"({code}) {local.replace(' ', '')}"


def _email(rng: random.Random, first: str, last: str) -> str:
    first_l = first.lower().replace("'", "").replace("-", "")
    last_l = last.lower().replace("'", "").replace(" ", "")
    pattern = int(rng.random() * 7)
    if pattern < 4:
        local = (
            f"{first_l}{last_l}",
            f"{first_l}.{last_l}",
            f"{first_l[0]}{last_l}",
            f"{last_l}{first_l}",
        )[pattern]
    else:
        number = _between(rng, 1, 99)
        local = (
            f"{first_l}{number}",
            f"{last_l}{first_l[0]}{number}",
            f"{first_l}.{last_l}{number}",
        )[pattern - 4]
    return f"{local}@{_pick(rng, vocab.EMAIL_DOMAINS)}"


def mixed_case(rng: random.Random, text: str) -> str:
    """Randomly upper-case letters (``"MIllScArl@exAmPLE.NET"``); always changes something."""
    out = "".join(ch.upper() if rng.random() < 0.5 else ch for ch in text)
    if out == text:
        out = text.upper()
    return out


def random_date_of_birth(rng: random.Random) -> str:
    """An ISO date of birth between 1930 and 2005."""
    return datetime.date.fromordinal(_between(rng, _DOB_FIRST, _DOB_LAST)).isoformat()


@dataclass(frozen=True, slots=True)
class Customer:
    """One customer row; field order is the real file's key order."""

    id: str
    first_name: str | None
    last_name: str | None
    date_of_birth: str | None
    email: str | None
    phone_number: str | None
    address: str
    city: str
    country: str
    postcode: str
    last_change: str
    segment: str | None

    def to_dict(self) -> dict[str, Any]:
        """The row as a dict in the real key order."""
        return {
            "id": self.id,
            "first_name": self.first_name,
            "last_name": self.last_name,
            "date_of_birth": self.date_of_birth,
            "email": self.email,
            "phone_number": self.phone_number,
            "address": self.address,
            "city": self.city,
            "country": self.country,
            "postcode": self.postcode,
            "last_change": self.last_change,
            "segment": self.segment,
        }

    def to_line(self) -> str:
        """The NDJSON line (without newline); equal to ``json.dumps(self.to_dict())``."""
        # f-string assembly is ~10x faster than json.dumps of a dict.
        return (
            f'{{"id": {_q(self.id)}, "first_name": {_js(self.first_name)}, '
            f'"last_name": {_js(self.last_name)}, "date_of_birth": {_js(self.date_of_birth)}, '
            f'"email": {_js(self.email)}, "phone_number": {_js(self.phone_number)}, '
            f'"address": {_q(self.address)}, "city": {_q(self.city)}, '
            f'"country": {_q(self.country)}, "postcode": {_q(self.postcode)}, '
            f'"last_change": {_q(self.last_change)}, "segment": {_js(self.segment)}}}'
        )

    def delivery_fragment(self) -> str:
        """``"customer_id": ..., "delivery_address": {...}`` for transaction rows."""
        return (
            f'"customer_id": {_q(self.id)}, "delivery_address": '
            f'{{"address": {_q(self.address)}, "postcode": {_q(self.postcode)}, '
            f'"city": {_q(self.city)}, "country": {_q(self.country)}}}'
        )


def make_customer(
    rng: random.Random, customer_id: str, arrival: datetime.date, rates: AnomalyRates
) -> Customer:
    """A realistic UK/Irish customer arriving on ``arrival``, with the configured anomalies."""
    first = _pick(rng, vocab.FIRST_NAMES)
    last = _pick(rng, vocab.LAST_NAMES)
    address = make_address(rng)
    email: str | None = _email(rng, first, last)
    # Real data: about a third of customers have a date of birth, half a phone number.
    dob = random_date_of_birth(rng) if rng.random() < 0.33 else None
    phone = _phone(rng, address) if rng.random() < 0.5 else None
    # last_change precedes arrival: the source system changed the row, then exported it.
    last_change = (arrival - datetime.timedelta(days=_between(rng, 0, 60))).isoformat()
    segment = _weighted(rng, vocab.SEGMENTS, _SEGMENT_CUM)
    first_name: str | None = first
    last_name: str | None = last
    if rng.random() < rates.null_required:
        roll = rng.random()
        if roll < 0.4:
            first_name = None
        elif roll < 0.6:
            last_name = None
        else:
            email = None
    if email is not None and rng.random() < rates.mixed_case_email:
        email = mixed_case(rng, email)
    return Customer(
        id=customer_id,
        first_name=first_name,
        last_name=last_name,
        date_of_birth=dob,
        email=email,
        phone_number=phone,
        address=address.address,
        city=address.city,
        country=address.country,
        postcode=address.postcode,
        last_change=last_change,
        segment=segment,
    )


def updated_customer(rng: random.Random, customer: Customer, changed_on: datetime.date) -> Customer:
    """A later version of ``customer``: one changed field and a newer ``last_change``.

    The email never changes, so erasure requests by email keep matching every version.
    """
    changed = dataclasses.replace(customer, last_change=changed_on.isoformat())
    field = _pick(rng, ("phone_number", "segment", "last_name", "date_of_birth"))
    if field == "phone_number":
        address = Address(
            customer.address,
            customer.city,
            customer.country,
            customer.postcode,
            _dialling_code(customer),
        )
        phone = _phone(rng, address)
        while phone == customer.phone_number:
            phone = _phone(rng, address)
        return dataclasses.replace(changed, phone_number=phone)
    if field == "segment":
        segment = _pick(rng, [s for s in vocab.SEGMENTS if s != customer.segment])
        return dataclasses.replace(changed, segment=segment)
    if field == "last_name":
        last_name = _pick(rng, [n for n in vocab.LAST_NAMES if n != customer.last_name])
        return dataclasses.replace(changed, last_name=last_name)
    dob = random_date_of_birth(rng)
    while dob == customer.date_of_birth:
        dob = random_date_of_birth(rng)
    return dataclasses.replace(changed, date_of_birth=dob)


def _dialling_code(customer: Customer) -> str:
    cities = vocab.UK_CITIES if customer.country == "United Kingdom" else vocab.IRISH_CITIES
    for city in cities:
        if city.name == customer.city:
            return city.dialling_code
    return "01"


@dataclass(frozen=True, slots=True)
class Product:
    """A catalogue product. Prices are kept in mills so 3-decimal prices are exact."""

    sku: int
    name: str | None
    price_mills: int
    category: str
    popularity: float

    @property
    def price_text(self) -> str:
        """The catalogue price string: 2 decimals, or 3 for the ``three_decimal_price`` case."""
        if self.price_mills % 10:
            return f"{self.price_mills // 1000}.{self.price_mills % 1000:03d}"
        return money(self.price_mills // 10)

    @property
    def line_price_cents(self) -> int:
        """Price charged on a transaction line: the catalogue price rounded half-up to cents."""
        return (self.price_mills + 5) // 10

    def to_line(self) -> str:
        """The NDJSON line (without newline)."""
        # repr(float) is what json.dumps writes for floats.
        return (
            f'{{"sku": {self.sku}, "name": {_js(self.name)}, "price": "{self.price_text}", '
            f'"category": {_q(self.category)}, "popularity": {self.popularity!r}}}'
        )


def random_price_cents(rng: random.Random) -> int:
    """A shelf price between 1.00 and 65.99 with the real data's typical endings."""
    pounds = _between(rng, 1, 65)
    ending: int = _weighted(rng, _PRICE_ENDINGS, _PRICE_ENDING_CUM)
    if ending < 0:
        ending = _between(rng, 1, 98)
    return pounds * 100 + ending


def _product_name(rng: random.Random, category: str) -> str:
    stems, variants, sizes = vocab.PRODUCT_PARTS[category]
    if rng.random() < 0.8:
        return f"{_pick(rng, stems)} {_pick(rng, variants)} {_pick(rng, sizes)}"
    return f"{_pick(rng, stems)} {_pick(rng, sizes)}"


def make_product(rng: random.Random, sku: int, rates: AnomalyRates) -> Product:
    """A catalogue product with the configured price/name anomalies."""
    category = _weighted(rng, vocab.CATEGORIES, _CATEGORY_CUM)
    name: str | None = _product_name(rng, category)
    mills = random_price_cents(rng) * 10
    roll = rng.random()
    if roll < rates.zero_price:
        mills = 0
    elif roll < rates.zero_price + rates.three_decimal_price:
        mills += _between(rng, 1, 9)
    if rng.random() < rates.null_product_name:
        name = None
    # The real catalogue has a couple of products with popularity exactly 0.0.
    popularity = 0.0 if rng.random() < 0.001 else rng.random()
    return Product(sku=sku, name=name, price_mills=mills, category=category, popularity=popularity)


def erasure_line(customer_id: str | None, email: str | None) -> str:
    """An erasure request line; a missing field is left out (not null)."""
    row: dict[str, str] = {}
    if customer_id is not None:
        row["customer-id"] = customer_id
    if email is not None:
        row["email"] = email
    return json.dumps(row)
