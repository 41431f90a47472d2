"""Tests of the seeded demo landing-zone generator (real files in tmp_path, no mocks).

Everything the tests check is recomputed here from the bytes on disk, independently of the
generator's own helpers, and compared with the manifest.
"""

from __future__ import annotations

import datetime
import gzip
import hashlib
import json
import multiprocessing
import re
import zlib
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from medallion.demo import (
    BAD_INPUT_KINDS,
    AnomalyRates,
    DemoConfig,
    Manifest,
    generate_landing_zone,
    manifest_path,
)

ENTITIES = ("customers", "products", "transactions", "erasure-requests")
FOLDER = re.compile(r"^date=(\d{4}-\d{2}-\d{2})/hour=(\d{2})/(.+)$")

# The real schema, used when the real dataset is not available to read it from.
EXPECTED_KEYS: dict[str, list[str]] = {
    "customers": [
        "id",
        "first_name",
        "last_name",
        "date_of_birth",
        "email",
        "phone_number",
        "address",
        "city",
        "country",
        "postcode",
        "last_change",
        "segment",
    ],
    "products": ["sku", "name", "price", "category", "popularity"],
    "transactions": [
        "transaction_id",
        "transaction_time",
        "customer_id",
        "delivery_address",
        "purchases",
    ],
    "erasure-requests": ["customer-id", "email"],
}
DELIVERY_KEYS = ["address", "postcode", "city", "country"]
PURCHASES_KEYS = ["products", "total_cost"]
ITEM_KEYS = ["sku", "quanitity", "price", "total"]


# -- independent readers ---------------------------------------------------------------------


def content_of(path: Path) -> bytes:
    """Decompressed content; for a truncated gzip, whatever decodes before the data ends."""
    data = path.read_bytes()
    if path.name.endswith(".gz"):
        return zlib.decompressobj(wbits=31).decompress(data)
    return data


def lines_of(content: bytes) -> list[bytes]:
    """The ingest's line rule."""
    if content == b"":
        return []
    pieces = content.split(b"\n")
    if content.endswith(b"\n"):
        pieces = pieces[:-1]
    return pieces


def parse(line: bytes) -> dict[str, Any] | None:
    """The record on a line, or None when the ingest must count the line as invalid."""
    if not line:
        return None
    try:
        value = json.loads(line.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return None
    return value if isinstance(value, dict) else None


@dataclass
class Landing:
    out: Path
    manifest: Manifest
    notified: list[Path]

    @property
    def data(self) -> dict[str, Any]:
        return self.manifest.to_dict()

    def bad_lines(self, *, keep: tuple[str, ...] = ("extra_field",)) -> set[tuple[str, int]]:
        """Lines flagged in the manifest, except kinds that are still real records."""
        return {
            (b.path, b.line)
            for b in self.manifest.bad_input
            if b.line is not None and b.kind not in keep
        }

    def records(self, entity: str) -> Iterator[tuple[str, int, dict[str, Any]]]:
        """(path, line, record) of well-formed rows: valid, not wrong-typed, not a variant.

        A row with an unknown extra field is still a real customer, so it is included.
        """
        bad = self.bad_lines()
        for path, entry in sorted(self.manifest.files.items()):
            if entry.entity != entity:
                continue
            for number, line in enumerate(lines_of(content_of(self.out / path)), start=1):
                record = parse(line)
                if record is not None and (path, number) not in bad:
                    yield path, number, record


def generate(root: Path, name: str, config: DemoConfig) -> Landing:
    notified: list[Path] = []
    out = root / name
    manifest = generate_landing_zone(out, config, on_file=notified.append)
    return Landing(out, manifest, notified)


def digests(out: Path) -> dict[str, str]:
    return {
        p.relative_to(out).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(out.rglob("*"))
        if p.is_file()
    }


def folder_key(path: str) -> tuple[str, str]:
    match = FOLDER.match(path)
    assert match, path
    return match.group(1), match.group(2)


@pytest.fixture(scope="module")
def landing(tmp_path_factory: pytest.TempPathFactory) -> Landing:
    # Five requests: the four bad-input shapes plus at least one plain request.
    config = DemoConfig(transactions=800, erasure_requests=5)
    return generate(tmp_path_factory.mktemp("demo"), "landing", config)


@pytest.fixture(scope="module")
def clean(tmp_path_factory: pytest.TempPathFactory) -> Landing:
    return generate(
        tmp_path_factory.mktemp("clean"), "landing", DemoConfig(transactions=600, bad_input=False)
    )


@pytest.fixture(scope="module")
def noisy(tmp_path_factory: pytest.TempPathFactory) -> Landing:
    """High anomaly rates, so every rate-driven anomaly shows up many times."""
    rates = AnomalyRates(
        duplicate_redelivery=0.05,
        null_required=0.2,
        zero_price=0.05,
        three_decimal_price=0.05,
        null_product_name=0.05,
        mixed_case_email=0.2,
        plain_json_file=0.2,
        customer_update=0.3,
        line_price_mismatch=0.05,
    )
    return generate(
        tmp_path_factory.mktemp("noisy"),
        "landing",
        DemoConfig(seed=7, transactions=1500, rates=rates),
    )


@pytest.fixture(scope="module")
def real_keys(real_dataset: Path) -> dict[str, dict[str, list[str]]]:
    """Key order of the first record of one real file per entity.

    ``real_dataset`` (tests/conftest.py) skips when the dataset is absent, outside CI.
    """
    keys: dict[str, dict[str, list[str]]] = {}
    for entity in ENTITIES:
        path = next(iter(sorted(real_dataset.glob(f"date=*/hour=*/{entity}.json.gz"))))
        line = lines_of(gzip.decompress(path.read_bytes()))[0]
        record = json.loads(line)
        assert json.dumps(record).encode() == line  # real lines are default json.dumps output
        keys[entity] = {"": list(record)}
        if entity == "transactions":
            keys[entity]["delivery_address"] = list(record["delivery_address"])
            keys[entity]["purchases"] = list(record["purchases"])
            keys[entity]["item"] = list(record["purchases"]["products"][0])
    return keys


# -- determinism -----------------------------------------------------------------------------


def test_same_seed_gives_identical_bytes(tmp_path: Path) -> None:
    config = DemoConfig(seed=11, days=2, transactions=400)
    first = generate(tmp_path, "a", config)
    second = generate(tmp_path, "b", config)
    assert digests(first.out) == digests(second.out)
    assert first.manifest.to_dict() == second.manifest.to_dict()
    assert manifest_path(first.out).read_bytes() == manifest_path(second.out).read_bytes()


def test_different_seed_gives_different_files(tmp_path: Path) -> None:
    a = generate(tmp_path, "a", DemoConfig(seed=1, days=2, transactions=400)).out
    b = generate(tmp_path, "b", DemoConfig(seed=2, days=2, transactions=400)).out
    first, second = digests(a), digests(b)
    # Fixed-content files (empty files, the notes.txt unknown file) are alike by design.
    shared = [p for p in set(first) & set(second) if content_of(a / p) and not p.endswith(".txt")]
    assert len(shared) > 20
    assert all(first[p] != second[p] for p in shared)


def test_gzip_files_have_no_name_and_zero_mtime(landing: Landing) -> None:
    for path, entry in landing.manifest.files.items():
        if entry.gzip:
            header = (landing.out / path).read_bytes()[:10]
            assert header[:3] == b"\x1f\x8b\x08"
            assert header[3] == 0  # FLG: no FNAME, no comment, no extra
            assert header[4:8] == b"\x00\x00\x00\x00"  # MTIME = 0


# -- schema ----------------------------------------------------------------------------------


@pytest.mark.real_data
def test_keys_and_format_match_the_real_dataset(
    landing: Landing, real_keys: dict[str, dict[str, list[str]]]
) -> None:
    for entity in ENTITIES:
        assert real_keys[entity][""] == EXPECTED_KEYS[entity]
        seen = 0
        drift = landing.bad_lines(keep=())  # also skip the row with the extra field
        for path, number, record in landing.records(entity):
            if (path, number) in drift:
                continue
            seen += 1
            assert list(record) == real_keys[entity][""]
            if entity == "transactions":
                assert list(record["delivery_address"]) == real_keys[entity]["delivery_address"]
                assert list(record["purchases"]) == real_keys[entity]["purchases"]
                for item in record["purchases"]["products"]:
                    assert list(item) == real_keys[entity]["item"]
        assert seen > 0, entity


def test_valid_lines_are_default_json_dumps_output(landing: Landing, noisy: Landing) -> None:
    for run in (landing, noisy):
        for entity in ENTITIES:
            for path, number, record in run.records(entity):
                line = lines_of(content_of(run.out / path))[number - 1]
                assert json.dumps(record).encode() == line, (path, number)


def test_field_formats(landing: Landing) -> None:
    uuid4 = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")
    money = re.compile(r"^\d+\.\d{2}$")
    for _, _, c in landing.records("customers"):
        assert re.fullmatch(r"\d{6}", c["id"])
        assert c["country"] in ("United Kingdom", "Republic of Ireland")
        assert c["segment"] in ("health", "sports", "beauty", None)
        assert c["email"] is None or c["email"].lower().rsplit("@", 1)[1] in (
            "example.com",
            "example.org",
            "example.net",
        )
        datetime.date.fromisoformat(c["last_change"])
    for _, _, p in landing.records("products"):
        assert isinstance(p["sku"], int) and 10_000 <= p["sku"] <= 99_999
        assert re.fullmatch(r"\d+\.\d{2,3}", p["price"])
        assert p["category"] in ("vitamin", "beauty", "sports", "misc", "food")
        assert isinstance(p["popularity"], float)
    for path, _, t in landing.records("transactions"):
        assert uuid4.match(t["transaction_id"])
        day, hour = folder_key(path)
        stamp = datetime.datetime.fromisoformat(t["transaction_time"])
        assert len(t["transaction_time"]) == 26
        assert stamp.date().isoformat() == day and stamp.hour == int(hour)
        assert money.match(t["purchases"]["total_cost"])


# -- manifest --------------------------------------------------------------------------------


def test_manifest_line_counts_match_an_independent_recount(landing: Landing) -> None:
    totals: dict[str, Counter[str]] = defaultdict(Counter)
    for path, entry in landing.manifest.files.items():
        file = landing.out / path
        assert FOLDER.match(path)
        assert entry.gzip == path.endswith(".gz")
        lines = lines_of(content_of(file))
        assert entry.lines == len(lines), path
        assert entry.invalid_lines == sum(1 for line in lines if parse(line) is None), path
        if entry.gzip and file.stat().st_size:
            try:
                gzip.decompress(file.read_bytes())
                complete = True
            except EOFError:
                complete = False
            assert entry.truncated == (not complete), path
        totals[entry.entity].update(files=1, lines=entry.lines, invalid=entry.invalid_lines)
    for entity, t in landing.manifest.entities.items():
        assert (t.files, t.lines, t.invalid_lines) == (
            totals[entity]["files"],
            totals[entity]["lines"],
            totals[entity]["invalid"],
        )


def test_manifest_lists_every_file_and_lives_outside_the_landing(landing: Landing) -> None:
    on_disk = set(digests(landing.out))
    listed = set(landing.manifest.files) | {s.path for s in landing.manifest.skipped}
    assert on_disk == listed
    assert {p.relative_to(landing.out).as_posix() for p in landing.notified} == on_disk
    sibling = manifest_path(landing.out)
    assert sibling.parent == landing.out.parent and sibling.is_file()
    assert Manifest.read(sibling).to_dict() == landing.manifest.to_dict()
    assert json.loads(sibling.read_text())["files"] == landing.data["files"]


def test_manifest_expected_values_match_the_data(landing: Landing, noisy: Landing) -> None:
    for run in (landing, noisy):
        m = run.manifest
        tx_rows = [json.dumps(r) for _, _, r in run.records("transactions")]
        tx_ids = {json.loads(r)["transaction_id"] for r in tx_rows}
        assert m.distinct_transactions == len(tx_ids)
        assert m.duplicates["transactions"] == len(tx_rows) - len(set(tx_rows))

        customers = [r for _, _, r in run.records("customers")]
        versions: dict[str, set[str]] = defaultdict(set)
        for c in customers:
            versions[c["id"]].add(json.dumps(c))
        assert m.distinct_customers == len(versions)
        assert m.updated_customer_ids == sorted(i for i, v in versions.items() if len(v) > 1)
        assert m.customer_updates == len(m.updated_customer_ids)
        rows = [json.dumps(c) for c in customers]
        assert m.duplicates["customers"] == len(rows) - len(set(rows))

        assert m.distinct_products == len({p["sku"] for _, _, p in run.records("products")})

        requests = [r for _, _, r in run.records("erasure-requests")]
        all_requests = [
            parse(line)
            for path, e in m.files.items()
            if e.entity == "erasure-requests"
            for line in lines_of(content_of(run.out / path))
        ]
        keyed = [json.dumps(r, sort_keys=True) for r in all_requests if r is not None]
        assert m.duplicates["erasure-requests"] == len(keyed) - len(set(keyed)) == 1
        assert m.erasure_requests == len(set(keyed))
        emails: dict[str, set[str]] = defaultdict(set)
        for c in customers:
            if c["email"]:
                emails[c["email"].strip().lower()].add(c["id"])
        erased: set[str] = set()
        for r in [*requests, *(r for r in all_requests if r is not None)]:
            if "customer-id" in r:
                erased.add(r["customer-id"])
            else:
                erased |= emails[r["email"].strip().lower()]
        assert m.erased_customer_ids == sorted(erased)
        assert set(m.erased_customer_ids) <= set(versions)


# -- referential integrity and sums ----------------------------------------------------------


def test_transactions_reference_earlier_customers_and_products(landing: Landing) -> None:
    arrived: dict[str, tuple[str, str]] = {}
    address: dict[str, dict[str, str]] = {}
    for path, _, c in landing.records("customers"):
        arrived.setdefault(c["id"], folder_key(path))
        address.setdefault(c["id"], {k: c[k] for k in ("address", "postcode", "city", "country")})
    product_day: dict[int, tuple[str, str]] = {}
    for path, _, p in landing.records("products"):
        product_day.setdefault(p["sku"], folder_key(path))
    own_address = total = 0
    for path, _, t in landing.records("transactions"):
        here = folder_key(path)
        assert arrived[t["customer_id"]] <= here
        for item in t["purchases"]["products"]:
            assert product_day[item["sku"]] <= here
        own_address += t["delivery_address"] == address[t["customer_id"]]
        total += 1
    assert total > 0
    assert own_address > 0.7 * total  # usually the customer's own address


def test_line_totals_add_up(landing: Landing, noisy: Landing) -> None:
    for run in (landing, noisy):
        for _, _, t in run.records("transactions"):
            total = Decimal(0)
            for item in t["purchases"]["products"]:
                assert Decimal(item["price"]) * item["quanitity"] == Decimal(item["total"])
                assert re.fullmatch(r"\d+\.\d{2}", item["price"])
                total += Decimal(item["total"])
            assert total == Decimal(t["purchases"]["total_cost"])


def test_erasure_requests_target_existing_customers_on_hour_zero(landing: Landing) -> None:
    emails = {c["id"]: c["email"] for _, _, c in landing.records("customers")}
    for path, entry in landing.manifest.files.items():
        if entry.entity == "erasure-requests":
            assert folder_key(path)[1] == "00"
    for _, _, r in landing.records("erasure-requests"):
        assert emails[r["customer-id"]] == r["email"]


# -- bad input -------------------------------------------------------------------------------


def test_every_bad_input_kind_is_recorded(landing: Landing) -> None:
    assert set(BAD_INPUT_KINDS) <= {b.kind for b in landing.manifest.bad_input}


def test_every_bad_input_kind_is_on_disk(landing: Landing) -> None:
    out, m = landing.out, landing.manifest
    seen: set[str] = set()
    for path, entry in m.files.items():
        file = out / path
        if file.stat().st_size == 0:
            seen.add("empty_file")
        if entry.gzip:
            try:
                if gzip.decompress(file.read_bytes()) == b"":
                    seen.add("empty_gzip")
            except EOFError:
                seen.add("truncated_gzip")
        lines = lines_of(content_of(file))
        for number, line in enumerate(lines, start=1):
            if line == b"" and 1 < number < len(lines):
                seen.add("empty_line")
            try:
                text = line.decode("utf-8")
            except UnicodeDecodeError:
                seen.add("invalid_utf8")
                continue
            try:
                value = json.loads(text)
            except ValueError:
                seen.add("not_json" if text.startswith("{") else "plain_text")
                continue
            if isinstance(value, list):
                seen.add("json_array")
            if not isinstance(value, dict):
                continue
            if set(value) - set(EXPECTED_KEYS[entry.entity]):
                seen.add("extra_field")
            purchases = value.get("purchases", {})
            items = purchases.get("products", []) if entry.entity == "transactions" else []
            if (
                value.get("sku") == "abc"
                or purchases.get("total_cost", "") is None
                or any(i["sku"] == "abc" or isinstance(i["price"], float) for i in items)
            ):
                seen.add("wrong_types")
            if entry.entity == "erasure-requests":
                email = value.get("email")
                if "email" not in value:
                    seen.add("erasure_id_only")
                if "customer-id" not in value:
                    seen.add("erasure_email_only")
                if email is not None and email != email.strip():
                    seen.add("erasure_email_padded")
                if email is not None and email != email.lower():
                    seen.add("erasure_email_mixed_case")
    skipped = {s.path for s in m.skipped}
    assert all((out / p).is_file() for p in skipped)
    if any(not FOLDER.match(p) or not _valid_partition(p) for p in skipped):
        seen.add("invalid_partition")
    if any(FOLDER.match(p) and _valid_partition(p) for p in skipped):
        seen.add("unknown_file")
    assert {p.split("/")[0] for p in skipped} >= {"date=2020-02-30", "misc"}
    assert {"/".join(p.split("/")[:2]) for p in skipped} >= {
        "date=2020-01-01/hour=24",
        "date=2020-01-01/hour=7",
    }
    assert set(BAD_INPUT_KINDS) <= seen


def _valid_partition(path: str) -> bool:
    match = FOLDER.match(path)
    if not match or int(match.group(2)) > 23:
        return False
    try:
        datetime.date.fromisoformat(match.group(1))
    except ValueError:
        return False
    return True


def test_bad_input_line_numbers_point_at_the_injected_lines(landing: Landing) -> None:
    for item in landing.manifest.bad_input:
        if item.line is None:
            continue
        lines = lines_of(content_of(landing.out / item.path))
        line = lines[item.line - 1]
        record = parse(line)
        if item.kind in ("not_json", "plain_text", "json_array", "invalid_utf8", "empty_line"):
            assert record is None, item
        elif item.kind == "extra_field":
            assert record is not None and "loyalty_tier" in record
        elif item.kind == "wrong_types":
            assert record is not None and record != {}


def test_clean_run_has_only_valid_lines(clean: Landing) -> None:
    m = clean.manifest
    assert m.skipped == [] and m.bad_input == []
    assert all(e.invalid_lines == 0 and e.lines > 0 for e in m.files.values())
    assert all(not e.truncated for e in m.files.values())
    tx_lines = sum(e.lines for e in m.files.values() if e.entity == "transactions")
    assert tx_lines == m.config["transactions"] == 600  # exact, re-deliveries included
    for entity in ENTITIES:
        for _, _, record in clean.records(entity):
            assert list(record) == EXPECTED_KEYS[entity]


def test_rate_driven_anomalies_show_up(noisy: Landing) -> None:
    m = noisy.manifest
    assert m.duplicates["transactions"] > 0
    assert m.duplicates["customers"] > 0
    assert m.customer_updates > 0
    assert any(not e.gzip for p, e in m.files.items() if e.lines)
    customers = [c for _, _, c in noisy.records("customers")]
    assert any(
        c["first_name"] is None or c["last_name"] is None or c["email"] is None for c in customers
    )
    assert any(c["email"] and c["email"] != c["email"].lower() for c in customers)
    products = [p for _, _, p in noisy.records("products")]
    assert any(p["price"] == "0.00" for p in products)
    assert any(len(p["price"].split(".")[1]) == 3 for p in products)
    assert any(p["name"] is None for p in products)
    catalogue = {p["sku"]: p["price"] for p in products}
    assert any(
        Decimal(i["price"]) != Decimal(catalogue[i["sku"]]).quantize(Decimal("0.01"))
        for _, _, t in noisy.records("transactions")
        for i in t["purchases"]["products"]
    )
    # Each new version of a customer carries a newer last_change than the one before it.
    latest: dict[str, dict[str, Any]] = {}
    for c in customers:  # files in path order, i.e. chronological
        previous = latest.get(c["id"])
        if previous is not None and previous != c:
            assert c["last_change"] > previous["last_change"]
        latest[c["id"]] = c


def test_tiny_config_still_places_every_bad_input_kind(tmp_path: Path) -> None:
    run = generate(tmp_path, "tiny", DemoConfig(days=1, transactions=3, customers=2, products=1))
    assert set(BAD_INPUT_KINDS) <= {b.kind for b in run.manifest.bad_input}
    for path, entry in run.manifest.files.items():
        assert entry.lines == len(lines_of(content_of(run.out / path)))


@pytest.mark.skipif(
    "fork" not in multiprocessing.get_all_start_methods(), reason="workers need fork"
)
def test_worker_processes_write_the_same_bytes(tmp_path: Path) -> None:
    config = DemoConfig(seed=5, days=1, transactions=3000)
    serial = generate_landing_zone(tmp_path / "serial", config, workers=1)
    parallel = generate_landing_zone(tmp_path / "parallel", config, workers=2)
    assert digests(tmp_path / "serial") == digests(tmp_path / "parallel")
    assert serial.to_dict() == parallel.to_dict()


# -- API guards ------------------------------------------------------------------------------


def test_refuses_a_non_empty_output_folder(tmp_path: Path) -> None:
    (tmp_path / "keep.txt").write_text("x")
    with pytest.raises(FileExistsError):
        generate_landing_zone(tmp_path, DemoConfig(transactions=10))


@pytest.mark.parametrize(
    "config",
    [
        DemoConfig(days=0),
        DemoConfig(transactions=-1),
        DemoConfig(customers=1_000_001),
        DemoConfig(rates=AnomalyRates(zero_price=1.5)),
        DemoConfig(customers=5, erasure_requests=6),
    ],
)
def test_rejects_invalid_configs(tmp_path: Path, config: DemoConfig) -> None:
    with pytest.raises(ValueError):
        generate_landing_zone(tmp_path / "out", config)
