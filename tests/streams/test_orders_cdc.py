"""Order CDC (orders_cdc topic): the generator, and the stream from dump to gold.

The end-to-end fixture generates the topic against the demo landing zone, adds an erasure
request for a customer with CDC orders, and runs the real ``medallion build`` once; the tests
then compare silver and gold with the generator's truth.
"""

from __future__ import annotations

import datetime as dt
import gzip
import json
import os
import shutil
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import pytest

from medallion.demo.manifest import Manifest, manifest_path
from medallion.demo.streams.context import StreamContext
from medallion.demo.streams.kcat import TopicMessage
from medallion.demo.streams.orders_cdc import (
    DUMP_FILES,
    TOPIC,
    OrdersCdcTruth,
    generate_orders_cdc,
    partition_of,
    write_orders_cdc,
)
from tests.conftest import PROJECT_DIR, run_cli

MY_MODELS = (
    "brz_orders_cdc",
    "int_orders_cdc__checked",
    "int_orders_cdc__erasure_targets",
    "slv_order_changes",
    "slv_order_changes_quarantine",
    "slv_orders",
    "fct_order_lifecycle",
    "mart_order_status_daily",
)
ERASURE_TARGETS_MODEL = PROJECT_DIR / "models" / "silver" / "slv_erasure_targets.sql"


def small_context(seed: int = 7) -> StreamContext:
    """A context without a landing zone: three customers (one with a non-digit id)."""
    return StreamContext(
        seed=seed,
        start_date=dt.date(2020, 1, 1),
        days=2,
        customer_ids=("000123", "456789", "abc", "998877"),
        transactions=(),
    )


def replay(messages: list[TopicMessage], *, first_delivery: bool) -> dict[str, str | None]:
    """Each order's last status from the valid messages in offset order; None when deleted.

    ``first_delivery``: a change_id counts at its first offset (correct); else at its last
    (what a naive "latest offset wins" consumer does).
    """
    valid = []
    for message in messages:
        try:
            value = json.loads(message.value or "")
        except ValueError:
            continue
        if (
            isinstance(value, dict)
            and value.get("change_id")
            and value.get("op") in ("c", "u", "d")
            and value.get("order_id") == message.key
            and value.get("status") in ("created", "paid", "shipped", "delivered", "cancelled")
            and "," not in str(value.get("amount"))
        ):
            valid.append((message.partition, message.offset, value))
    valid.sort(key=lambda item: (item[0], item[1]), reverse=not first_delivery)
    kept: dict[str, tuple[int, int, dict[str, Any]]] = {}
    for partition, offset, value in valid:
        kept.setdefault(value["change_id"], (partition, offset, value))
    state: dict[str, str | None] = {}
    for _, _, value in sorted(kept.values(), key=lambda item: (item[0], item[1])):
        state[value["order_id"]] = None if value["op"] == "d" else value["status"]
    return state


# --- generator -----------------------------------------------------------------------------


def test_generator_is_deterministic_for_a_seed() -> None:
    first = generate_orders_cdc(small_context(), orders=40)
    again = generate_orders_cdc(small_context(), orders=40)
    other = generate_orders_cdc(small_context(seed=8), orders=40)
    assert first == again
    assert first[0] != other[0]


def test_generator_truth_matches_its_messages() -> None:
    context = small_context()
    messages, truth = generate_orders_cdc(context, orders=80, partitions=3)
    start = dt.datetime(2020, 1, 1)
    assert all(start <= change.ts < context.end for change in truth.changes)
    assert {c.state.customer_id for c in truth.changes} <= {"000123", "456789", "998877"}
    # offsets: consecutive per partition; every order in the partition of its key's hash
    for partition in range(3):
        offsets = [m.offset for m in messages if m.partition == partition]
        assert offsets == list(range(len(offsets)))
    assert all(m.partition == partition_of(m.key or "", 3) for m in messages)
    # the extra messages: tombstones, retries (a change_id again at a later offset), invalid
    assert sum(m.value is None for m in messages) == truth.tombstones == len(truth.deleted)
    first_offset: dict[str, int] = {}
    retries = 0
    for message in messages:
        try:
            value = json.loads(message.value or "")
        except ValueError:
            continue
        change_id = value.get("change_id")
        if change_id in first_offset:
            retries += 1
            assert message.offset > first_offset[change_id]
        elif change_id:
            first_offset[change_id] = message.offset
    assert retries == truth.duplicates > 0
    assert truth.invalid == 6
    assert len(messages) == truth.distinct_changes + truth.duplicates + truth.invalid + (
        truth.tombstones
    )
    # replaying the messages gives the truth; "latest offset wins" does not (stale retries)
    expected: dict[str, str | None] = {o: state.status for o, state in truth.current.items()}
    expected |= dict.fromkeys(truth.deleted)
    assert replay(messages, first_delivery=True) == expected
    assert replay(messages, first_delivery=False) != expected
    # every status of the lifecycle and a deletion occur
    assert {c.state.status for c in truth.changes} == {
        "created",
        "paid",
        "shipped",
        "delivered",
        "cancelled",
    }
    assert truth.deleted and truth.deleted.isdisjoint(truth.current)


def test_dump_lists_messages_out_of_offset_order(tmp_path: Path) -> None:
    truth = write_orders_cdc(tmp_path, small_context(), orders=40)
    lines = []
    for name in DUMP_FILES:
        data = gzip.decompress((tmp_path / TOPIC / name).read_bytes())
        lines += [json.loads(line) for line in data.splitlines()]
    assert len(lines) == truth.messages
    offsets = [(line["partition"], line["offset"]) for line in lines]
    assert len(set(offsets)) == len(offsets)
    assert offsets != sorted(offsets)


# --- end to end ----------------------------------------------------------------------------


@dataclass(frozen=True)
class CdcBuild:
    """One ``medallion build`` of the demo landing zone plus the orders_cdc dump."""

    warehouse: Path
    target: Path
    truth: OrdersCdcTruth
    erased: frozenset[str]  # every erased customer id (the demo's and the added subject)
    subject: str  # the customer the test's erasure request names
    result: subprocess.CompletedProcess[str]

    def query(self, sql: str, params: list[Any] | None = None) -> list[tuple[Any, ...]]:
        """Rows of ``sql`` on the built warehouse (read only)."""
        with duckdb.connect(str(self.warehouse), read_only=True) as con:
            return con.execute(sql, params or []).fetchall()


def landing_customers(landing: Path) -> dict[str, str]:
    """Customer id -> email (trimmed) of the readable customers lines of a landing zone."""
    emails: dict[str, str] = {}
    for path in sorted(landing.glob("date=*/hour=*/customers.json*")):
        try:
            data = gzip.decompress(path.read_bytes()) if path.suffix == ".gz" else path.read_bytes()
        except (OSError, EOFError, gzip.BadGzipFile):
            continue
        for line in data.splitlines():
            try:
                record = json.loads(line)
            except ValueError:
                continue
            if isinstance(record, dict) and isinstance(record.get("email"), str):
                emails[str(record.get("id")).strip()] = record["email"].strip()
    return emails


def choose_subject(truth: OrdersCdcTruth, erased: set[str], emails: dict[str, str]) -> str:
    """The not yet erased customer with the most CDC orders (and an email)."""
    orders = Counter(
        change.state.customer_id for change in truth.changes if change.op == "c"
    ).most_common()
    return next(customer for customer, _ in orders if customer not in erased and customer in emails)


@pytest.fixture(scope="module")
def cdc_build(
    tmp_path_factory: pytest.TempPathFactory, demo_landing: Path, stream_context: StreamContext
) -> Iterator[CdcBuild]:
    """Demo landing zone + an erasure request + the orders_cdc dump, built once."""
    workdir = tmp_path_factory.mktemp("orders_cdc_e2e")
    landing = workdir / "landing"
    shutil.copytree(demo_landing, landing)
    truth = write_orders_cdc(workdir / "kafka", stream_context)
    erased = set(Manifest.read(manifest_path(demo_landing)).erased_customer_ids)
    emails = landing_customers(landing)
    subject = choose_subject(truth, erased, emails)
    request = landing / "date=2020-01-03" / "hour=12" / "erasure-requests.json"
    request.parent.mkdir(parents=True)
    request.write_text(json.dumps({"customer-id": subject, "email": emails[subject]}) + "\n")
    warehouse = workdir / "warehouse" / "medallion.duckdb"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DBT_TARGET_PATH", str(workdir / "target"))
        patch.setenv("DBT_LOG_PATH", str(workdir / "logs"))
        patch.setenv("MEDALLION_ERASURE_SALT", "test-salt")
        result = run_cli(
            "build",
            "--landing",
            str(landing),
            "--kafka-dumps",
            str(workdir / "kafka"),
            warehouse=warehouse,
            check=False,
        )
        yield CdcBuild(
            warehouse,
            workdir / "target",
            truth,
            frozenset(erased | {subject}),
            subject,
            result,
        )


def test_build_of_the_stream_is_green(cdc_build: CdcBuild) -> None:
    output = f"stdout:\n{cdc_build.result.stdout}\nstderr:\n{cdc_build.result.stderr}"
    results = json.loads((cdc_build.target / "run_results.json").read_text())["results"]
    mine = [
        r
        for r in results
        if any(
            f".{model}" in r["unique_id"] or f"_{model}_" in r["unique_id"] for model in MY_MODELS
        )
    ]
    built = {r["unique_id"].split(".")[-1] for r in mine if r["unique_id"].startswith("model.")}
    assert built == set(MY_MODELS), output
    # their tests ran too (44 nodes: non-key not-null checks are one node per model)
    assert sum(1 for r in mine if r["unique_id"].startswith("test.")) > 40, output
    # The run's exit code also reflects other streams' and entities' nodes: judge ours.
    assert [r["unique_id"] for r in mine if r["status"] not in ("success", "pass")] == [], output


def test_current_state_equals_the_truth(cdc_build: CdcBuild) -> None:
    rows = cdc_build.query(
        "select order_id, status, amount, currency, customer_id, is_erased from silver.slv_orders"
    )
    actual = {row[0]: row[1:] for row in rows}
    expected = {
        order: (
            state.status,
            Decimal(state.amount),
            state.currency,
            None if state.customer_id in cdc_build.erased else state.customer_id,
            state.customer_id in cdc_build.erased,
        )
        for order, state in cdc_build.truth.current.items()
    }
    assert actual == expected


def test_deleted_orders_are_history_only(cdc_build: CdcBuild) -> None:
    deleted = sorted(cdc_build.truth.deleted)
    assert deleted
    in_current = cdc_build.query(
        "select order_id from silver.slv_orders where list_contains(?, order_id)", [deleted]
    )
    assert in_current == []
    last_versions = cdc_build.query(
        """
        select order_id, op, is_deleted, is_current, valid_to
        from silver.slv_order_changes
        where list_contains(?, order_id)
        qualify version_number = max(version_number) over (partition by order_id)
        order by order_id
        """,
        [deleted],
    )
    assert last_versions == [(order, "d", True, False, None) for order in deleted]


def test_history_is_the_ordered_distinct_changes(cdc_build: CdcBuild) -> None:
    rows = cdc_build.query(
        """
        select order_id, change_id, valid_from, valid_to, is_current
        from silver.slv_order_changes
        order by order_id, version_number
        """
    )
    history: dict[str, list[tuple[Any, ...]]] = {}
    for order, *version in rows:
        history.setdefault(order, []).append(tuple(version))
    truth = cdc_build.truth
    assert len(rows) == truth.distinct_changes
    for order, versions in history.items():
        changes = truth.history(order)
        assert [v[0] for v in versions] == [c.change_id for c in changes]
        assert [v[1] for v in versions] == [c.ts for c in changes]
        assert [v[2] for v in versions] == [c.ts for c in changes[1:]] + [None]
        assert [v[3] for v in versions] == [False] * (len(changes) - 1) + [order in truth.current]


def test_duplicates_tombstones_and_quarantine_are_counted(cdc_build: CdcBuild) -> None:
    truth = cdc_build.truth
    statuses = dict(
        cdc_build.query(
            "select _row_status, count(*) from silver.int_orders_cdc__checked group by all"
        )
    )
    assert statuses == {
        "current": truth.distinct_changes,
        "duplicate": truth.duplicates,
        "quarantined": truth.invalid,
        "tombstone": truth.tombstones,
    }
    quarantine = cdc_build.query(
        "select change_id, _errors, record from silver.slv_order_changes_quarantine"
    )
    reasons = {change_id: errors for change_id, errors, _ in quarantine}
    assert reasons == {
        None: reasons[None],  # the broken JSON and the one without change_id
        "chg-bad-op": ["op: must be one of c, u, d"],
        "chg-bad-amount": ["amount: must be a decimal string"],
        "chg-bad-status": ["status: must be one of created, paid, shipped, delivered, cancelled"],
        "chg-bad-key": ["order_id: must equal the message key"],
    }
    missing = sorted(errors[0] for change_id, errors, _ in quarantine if change_id is None)
    assert missing == ["change_id: required", "record: invalid JSON"]
    assert all(record for _, _, record in quarantine)


def test_lifecycle_matches_the_truth(cdc_build: CdcBuild) -> None:
    rows = cdc_build.query(
        """
        select order_id, created_at, paid_at, shipped_at, delivered_at, cancelled_at,
            hours_to_paid, hours_to_shipped, hours_to_delivered, hours_to_cancelled,
            final_status, is_deleted, customer_id
        from gold.fct_order_lifecycle
        """
    )
    truth = cdc_build.truth
    assert len(rows) == len(truth.current) + len(truth.deleted)
    statuses = ("paid", "shipped", "delivered", "cancelled")
    for order, created, *rest in rows:
        times, hours = rest[:4], rest[4:8]
        final_status, is_deleted, customer_id = rest[8:]
        entered = truth.entered_at(order)
        assert created == entered["created"]
        assert times == [entered.get(status) for status in statuses]
        for status, value in zip(statuses, hours, strict=True):
            if status in entered:
                gap = (entered[status] - created).total_seconds() / 3600
                assert value == pytest.approx(gap, abs=1e-9)
            else:
                assert value is None
        last = truth.history(order)[-1]
        assert (final_status, is_deleted) == (last.state.status, last.op == "d")
        erased = last.state.customer_id in cdc_build.erased
        assert customer_id == (None if erased else last.state.customer_id)


def test_status_counts_per_day_match_the_truth(cdc_build: CdcBuild) -> None:
    rows = cdc_build.query(
        """
        select status_date, status, orders_entered, orders_at_end_of_day
        from gold.mart_order_status_daily
        """
    )
    days = sorted({row[0] for row in rows})
    assert days == sorted({change.ts.date() for change in cdc_build.truth.changes})
    entered = {(day, status): count for day, status, count, _ in rows if count}
    assert entered == dict(cdc_build.truth.status_entries_per_day())
    for day in days:
        at_end = {status: count for d, status, _, count in rows if d == day and count}
        assert at_end == dict(cdc_build.truth.status_at_end_of_day(day))


def test_erased_customer_loses_the_link_in_silver_and_gold(cdc_build: CdcBuild) -> None:
    subject_orders = sorted(
        {c.order_id for c in cdc_build.truth.changes if c.state.customer_id == cdc_build.subject}
    )
    assert len(subject_orders) >= 2
    for table, flag in (
        ("silver.slv_order_changes", "is_erased"),
        ("silver.int_orders_cdc__checked", "is_erased"),
        ("gold.fct_order_lifecycle", "is_customer_erased"),
    ):
        rows = cdc_build.query(
            f"select distinct customer_id, {flag} from {table} where list_contains(?, order_id)",
            [subject_orders],
        )
        assert rows == [(None, True)], table
    for table in ("silver.int_orders_cdc__checked", "silver.slv_order_changes_quarantine"):
        leaked = cdc_build.query(
            f"select count(*) from {table} where contains(cast(record as varchar), ?)",
            [f'"{cdc_build.subject}"'],
        )
        assert leaked == [(0,)], table


def test_erasure_targets_anonymize_every_message_of_the_subject(cdc_build: CdcBuild) -> None:
    subject_orders = sorted(
        {c.order_id for c in cdc_build.truth.changes if c.state.customer_id == cdc_build.subject}
    )
    messages = cdc_build.query(
        """
        select "partition", "offset" from bronze.kafka_orders_cdc
        where _is_valid_json and list_contains(?, key)
        """,
        [subject_orders],
    )
    targets = cdc_build.query(
        """
        select _kafka_partition, _kafka_offset, bronze_table, anonymized_record
        from silver.int_orders_cdc__erasure_targets
        """
    )
    by_offset = {(row[0], row[1]): (row[2], json.loads(row[3])) for row in targets}
    assert messages and set(messages) <= set(by_offset)
    for table, value in by_offset.values():
        assert table == "kafka_orders_cdc"
        assert value["customer_id"] is None
        assert value["_erased"] is True
        assert value["order_id"].startswith("ord-")


def test_bronze_messages_lose_the_customer_id(cdc_build: CdcBuild) -> None:
    if "int_orders_cdc__erasure_targets" not in ERASURE_TARGETS_MODEL.read_text():
        pytest.skip("slv_erasure_targets does not include int_orders_cdc__erasure_targets yet")
    rows = cdc_build.query(
        """
        select count(*) filter (where contains(record, ?)),
            -- case: json_extract must not see the deliberately broken (non-JSON) values
            count(*) filter (
                where case when _is_valid_json then record->>'_erased' end = 'true'
            )
        from bronze.kafka_orders_cdc
        """,
        [f'"{cdc_build.subject}"'],
    )
    assert rows[0][0] == 0
    assert rows[0][1] > 0


def test_rebuild_after_the_bronze_rewrite_keeps_the_erasure(cdc_build: CdcBuild) -> None:
    """dbt again on the rewritten bronze: still erased and equal to the truth, nothing left."""
    if "int_orders_cdc__erasure_targets" not in ERASURE_TARGETS_MODEL.read_text():
        pytest.skip("slv_erasure_targets does not include int_orders_cdc__erasure_targets yet")
    env = {
        **os.environ,
        "MEDALLION_WAREHOUSE": str(cdc_build.warehouse),
        "MEDALLION_ERASURE_SALT": "test-salt",
        "DBT_TARGET_PATH": str(cdc_build.target.parent / "target_rebuild"),
        "DBT_LOG_PATH": str(cdc_build.target.parent / "logs_rebuild"),
    }
    dbt = Path(sys.executable).parent / "dbt"
    selection = ["path:models/silver/streams/orders", "path:models/gold/streams/orders"]
    result = subprocess.run(
        [str(dbt), "build", "--quiet", "--select", *selection],
        cwd=PROJECT_DIR,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert cdc_build.query("select count(*) from silver.int_orders_cdc__erasure_targets") == [(0,)]
    test_current_state_equals_the_truth(cdc_build)
    test_erased_customer_loses_the_link_in_silver_and_gold(cdc_build)
