"""Schema drift kept in the warehouse: counted once per row, still true after erasure rewrites.

A small warehouse with the bronze columns drift reads is filled load by load with random
records (fields dropped, unknown fields, nested values that are not objects, empty objects,
repeated keys, lines that are not JSON, rows already rewritten). After every change the drift
read from the kept facts must equal a row-by-row recount in Python, and so must the drift
counted by a scan of the whole table. Rewrites are made by the erasure finaliser itself: rows
on the work list (``silver.slv_erasure_targets``) get a new record, after
``stage_rewrites`` noted them; a rewrite that never happens, a run killed after the rewrite and
a work list seen twice must all leave the counts true.
"""

from __future__ import annotations

import json
import random
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb
import pytest

from medallion.erasure import finalise_erasure
from medallion.record.drift import levels, schema_drift
from medallion.record.drift_state import (
    FACTS,
    LOADS,
    current_drift,
    is_current,
    read_drift,
    stage_rewrites,
    update_tables,
)

TRANSACTIONS = [
    "id",
    "customer_id",
    "delivery_address",
    "delivery_address.address",
    "delivery_address.city",
    "delivery_address.country",
    "purchases",
    "purchases.total",
    "_erased",
]
REQUESTS = ["customer-id", "email", "_erased_subject", "_erased_subject.id_hash"]
PATHS = {"transactions": TRANSACTIONS, "erasure_requests": REQUESTS}
UNKNOWN = ["shoe_size", "it's", "<b>"]
CONFIG: dict[str, str] = {}
# The work-list columns the tests fill (a message's coordinates stay null: file rows only).
LISTED = "bronze_table, _source_file, _file_sha256, _line_number, anonymized_record"


def fields_file(paths: dict[str, list[str]]) -> str:
    """A bronze fields macro file (macros/bronze_fields.sql) declaring ``paths``."""
    fields = {
        table: [{"path": path} for path in table_paths] for table, table_paths in paths.items()
    }
    return f"{{%- set fields = {json.dumps(fields)} -%}}\n"


@pytest.fixture()
def project(tmp_path: Path) -> Path:
    """A project folder holding only the bronze models' field lists."""
    folder = tmp_path / "project"
    (folder / "macros").mkdir(parents=True)
    (folder / "macros" / "bronze_fields.sql").write_text(fields_file(PATHS))
    return folder


@pytest.fixture()
def warehouse(tmp_path: Path) -> Iterator[Path]:
    path = tmp_path / "warehouse.duckdb"
    with duckdb.connect(str(path)) as con:
        con.execute("create schema bronze")
        con.execute("create schema silver")
        for table in PATHS:
            con.execute(
                f"""create table bronze.{table} (
                    record varchar, _is_valid_json boolean, _source_file varchar,
                    _line_number bigint, _file_sha256 varchar, _dlt_load_id varchar
                )"""
            )
        con.execute("create table bronze._dlt_loads (load_id varchar, status integer)")
        con.execute(
            """create table silver.slv_erasure_targets (
                bronze_table varchar, _source_file varchar, _file_sha256 varchar,
                _line_number bigint, anonymized_record varchar,
                _kafka_topic varchar, _kafka_partition bigint, _kafka_offset bigint
            )"""
        )
    yield path


def nested(rng: random.Random, keys: list[str]) -> Any:
    """A value at a nested level: usually an object, sometimes anything else."""
    choice = rng.random()
    if choice < 0.1:
        return rng.choice(["a string", [1, 2], None, 7])
    if choice < 0.15:
        return {}
    value = {key: rng.randint(0, 9) for key in keys if rng.random() > 0.15}
    if rng.random() < 0.2:
        value[rng.choice(UNKNOWN)] = 1
    return value


def random_record(rng: random.Random, table: str) -> str:
    """One JSON line of ``table``, as a list of pairs so a key may repeat."""
    pairs: list[tuple[str, Any]] = []
    for level in levels(PATHS[table]):
        if level.prefix:
            continue
        for key in level.keys:
            if key.startswith("_"):
                if rng.random() < 0.05:  # a row rewritten before
                    pairs.append((key, True))
                continue
            if rng.random() < 0.15:
                continue
            children = [p.split(".", 1)[1] for p in PATHS[table] if p.startswith(key + ".")]
            pairs.append((key, nested(rng, children) if children else rng.randint(0, 99)))
    if rng.random() < 0.15:
        pairs.append((rng.choice(UNKNOWN), "x"))
    if rng.random() < 0.03:
        pairs += [("repeated", 1), ("repeated", 2)]
    rng.shuffle(pairs)
    return "{" + ", ".join(f"{json.dumps(k)}: {json.dumps(v)}" for k, v in pairs) + "}"


def add_load(warehouse: Path, load_id: str, seed: int, files: int = 3, lines: int = 40) -> None:
    """One dlt load: ``files`` new files of each table, some lines not JSON."""
    rng = random.Random(seed)
    with duckdb.connect(str(warehouse)) as con:
        for table in PATHS:
            rows = []
            for number in range(files):
                source = f"date=2020-01-0{seed % 9 + 1}/hour={number:02d}/{table}-{seed}.json"
                for line in range(1, lines + 1):
                    if rng.random() < 0.05:
                        rows.append(["{not json", False, source, line, f"sha-{seed}", load_id])
                    else:
                        record = random_record(rng, table)
                        rows.append([record, True, source, line, f"sha-{seed}", load_id])
            con.executemany(f"insert into bronze.{table} values (?, ?, ?, ?, ?, ?)", rows)
        con.execute("insert into bronze._dlt_loads values (?, 0)", [load_id])


def rewritten(table: str, record: str) -> str:
    """The record the finaliser writes: personal fields null and a marker (transactions),
    or the request replaced by its subject's hashes (erasure requests)."""
    if table == "erasure_requests":
        return json.dumps({"_erased_subject": {"id_hash": "h"}})
    value = json.loads(record)
    address = value.get("delivery_address")
    value["delivery_address"] = {
        **(address if isinstance(address, dict) else {}),
        "address": None,
        "city": None,
    }
    return json.dumps({**value, "customer_id": None, "_erased": True})


def list_targets(warehouse: Path, seed: int, share: float = 0.2) -> int:
    """Fill the work list with rows not rewritten yet, as dbt does; return how many."""
    rng = random.Random(seed)
    with duckdb.connect(str(warehouse)) as con:
        con.execute("delete from silver.slv_erasure_targets")
        for table in PATHS:
            rows = con.execute(
                f"select _source_file, _file_sha256, _line_number, record from bronze.{table} "
                "where _is_valid_json order by all"
            ).fetchall()
            chosen = [row for row in rows if rng.random() < share]
            targets = [
                [table, source, sha, line, rewritten(table, record)]
                for source, sha, line, record in chosen
                if rewritten(table, record) != record
            ]
            con.executemany(
                f"insert into silver.slv_erasure_targets ({LISTED}) values (?, ?, ?, ?, ?)", targets
            )
        con.execute(
            f"insert into silver.slv_erasure_targets ({LISTED}) values ('kafka_topic', "
            "'kafka:t/0', 'kafka', 3, '{}')"
        )
        count = con.execute("select count(*) from silver.slv_erasure_targets").fetchone()
    return int(count[0]) if count else 0


def finalise(warehouse: Path) -> None:
    """The erasure finaliser itself: the listed bronze rows rewritten, the list emptied."""
    finalise_erasure(warehouse)


class Pairs(list[tuple[str, Any]]):
    """A JSON object as its (key, value) pairs, a key possibly repeated."""


def recount(warehouse: Path, table: str, paths: list[str]) -> dict[str, Any]:
    """Drift of ``table`` counted row by row in Python (the meaning the record documents)."""
    with duckdb.connect(str(warehouse), read_only=True) as con:
        rows = con.execute(
            f"select record, _source_file from bronze.{table} where _is_valid_json"
        ).fetchall()
    markers = [path for path in paths if path.startswith("_")]
    found: dict[tuple[int, str, str], list[Any]] = {}
    for record, source in rows:
        pairs = json.loads(record, object_pairs_hook=Pairs)
        top = [key for key, _ in pairs]
        is_rewritten = any(key in markers for key in top)
        for index, level in enumerate(levels(paths)):
            value: Any = pairs
            for part in level.prefix.split(".") if level.prefix else []:
                value = dict(value).get(part) if isinstance(value, Pairs) else None
            if not isinstance(value, Pairs):
                continue
            keys = [key for key, _ in value]
            facts = [("unknown", key) for key in keys if key not in level.keys]
            if not is_rewritten:
                checked = [
                    key
                    for key in level.keys
                    if not (f"{level.prefix}.{key}" if level.prefix else key).startswith("_")
                ]
                facts += [("missing", key) for key in checked if key not in keys]
            for kind, key in facts:
                entry = found.setdefault((index, kind, key), [0, source])
                entry[0] += 1
                entry[1] = min(entry[1], source)

    def entries(kind: str) -> list[dict[str, Any]]:
        chosen = [(k, v) for k, v in found.items() if k[1] == kind]
        chosen.sort(key=lambda item: (item[0][0], item[1][1], item[0][2]))
        return [
            {
                "field": f"{levels(paths)[k[0]].prefix}.{k[2]}".lstrip("."),
                "rows": rows,
                "first_file": first,
            }
            for k, (rows, first) in chosen
        ]

    return {
        "expected_fields": paths,
        "unknown_fields": entries("unknown"),
        "missing_fields": entries("missing"),
    }


def wanted(paths: dict[str, list[str]] = PATHS) -> list[tuple[str, list[str]]]:
    return list(paths.items())


def kept(warehouse: Path, paths: dict[str, list[str]] = PATHS) -> list[dict[str, Any]]:
    """The drift the record reads: facts brought up to date, then read."""
    return current_drift(warehouse, CONFIG, wanted(paths))


def assert_true_counts(warehouse: Path, paths: dict[str, list[str]] = PATHS) -> None:
    expected = [{"entity": table, **recount(warehouse, table, p)} for table, p in paths.items()]
    assert kept(warehouse, paths) == expected
    with duckdb.connect(str(warehouse), read_only=True) as con:
        scanned = [{"entity": table, **schema_drift(con, table, p)} for table, p in paths.items()]
        assert all(is_current(con, table, p) for table, p in paths.items())
    assert scanned == expected


def test_kept_drift_equals_a_row_by_row_count_load_after_load(warehouse: Path) -> None:
    add_load(warehouse, "1000.1", seed=1)
    assert_true_counts(warehouse)
    record = kept(warehouse)
    assert record[0]["unknown_fields"] and record[0]["missing_fields"]
    assert {f["field"] for f in record[0]["unknown_fields"]} >= {"shoe_size", "repeated"}

    add_load(warehouse, "1000.2", seed=2)
    with duckdb.connect(str(warehouse), read_only=True) as con:
        assert not is_current(con, "transactions", TRANSACTIONS)
    assert_true_counts(warehouse)


def test_a_new_load_is_counted_alone(warehouse: Path) -> None:
    add_load(warehouse, "1000.1", seed=1)
    kept(warehouse)
    with duckdb.connect(str(warehouse)) as con:  # mark the first load's facts
        con.execute(f"update {FACTS} set rows = rows + 1000 where load_id = '1000.1'")
    add_load(warehouse, "1000.2", seed=2)
    kept(warehouse)

    with duckdb.connect(str(warehouse), read_only=True) as con:
        marked = con.execute(f"select min(rows) from {FACTS} where load_id = '1000.1'").fetchone()
        loads = con.execute(f"select count(*) from {LOADS}").fetchone()
    assert marked is not None and marked[0] > 1000  # not counted again
    assert loads == (4,)  # two loads of two tables


def test_counts_stay_true_through_erasure_rewrites(warehouse: Path, project: Path) -> None:
    add_load(warehouse, "1000.1", seed=1)
    add_load(warehouse, "1000.2", seed=2)
    kept(warehouse)
    add_load(warehouse, "1000.3", seed=3)  # not counted yet when the finaliser runs
    assert list_targets(warehouse, seed=4) > 20

    stage_rewrites(warehouse, CONFIG, project)
    with duckdb.connect(str(warehouse), read_only=True) as con:
        assert not is_current(con, "transactions", TRANSACTIONS)
    finalise(warehouse)
    assert_true_counts(warehouse)


def test_a_noted_rewrite_that_never_happened_changes_nothing(
    warehouse: Path, project: Path
) -> None:
    add_load(warehouse, "1000.1", seed=1)
    before = kept(warehouse)
    list_targets(warehouse, seed=5)

    stage_rewrites(warehouse, CONFIG, project)  # killed before the finaliser committed

    assert kept(warehouse) == before
    assert_true_counts(warehouse)


def test_a_run_killed_after_its_rewrite_is_accounted_for_later(
    warehouse: Path, project: Path
) -> None:
    add_load(warehouse, "1000.1", seed=1)
    kept(warehouse)
    list_targets(warehouse, seed=6)
    stage_rewrites(warehouse, CONFIG, project)
    # Killed before its rewrite; the next run lists the same rows and more, notes them, and
    # is killed after its rewrite, before its record.
    list_targets(warehouse, seed=7, share=0.4)
    stage_rewrites(warehouse, CONFIG, project)
    finalise(warehouse)
    add_load(warehouse, "1000.2", seed=8)
    list_targets(warehouse, seed=9)
    stage_rewrites(warehouse, CONFIG, project)
    finalise(warehouse)

    assert_true_counts(warehouse)


def test_changed_expected_fields_are_counted_again(warehouse: Path, project: Path) -> None:
    add_load(warehouse, "1000.1", seed=1)
    kept(warehouse)
    changed = {**PATHS, "transactions": [p for p in TRANSACTIONS if p != "customer_id"]}
    (project / "macros" / "bronze_fields.sql").write_text(fields_file(changed))
    list_targets(warehouse, seed=10)
    stage_rewrites(warehouse, CONFIG, project)  # the old facts are not noted against: dropped
    finalise(warehouse)

    with duckdb.connect(str(warehouse), read_only=True) as con:
        assert not is_current(con, "transactions", changed["transactions"])
    assert_true_counts(warehouse, changed)
    assert any(f["field"] == "customer_id" for f in kept(warehouse, changed)[0]["unknown_fields"])


def test_a_load_that_grew_is_counted_again(warehouse: Path) -> None:
    add_load(warehouse, "1000.1", seed=1)
    kept(warehouse)
    with duckdb.connect(str(warehouse)) as con:  # a load completed after a kill
        con.execute(
            "insert into bronze.transactions select record, _is_valid_json, "
            "'date=2020-01-01/hour=23/late.json', _line_number, _file_sha256, _dlt_load_id "
            "from bronze.transactions limit 25"
        )
        con.execute("delete from bronze._dlt_loads")

    assert_true_counts(warehouse)


def test_an_unreadable_work_list_makes_the_next_record_count_everything(
    warehouse: Path, project: Path
) -> None:
    add_load(warehouse, "1000.1", seed=1)
    kept(warehouse)
    with duckdb.connect(str(warehouse)) as con:
        con.execute("alter table silver.slv_erasure_targets drop column _line_number")

    stage_rewrites(warehouse, CONFIG, project)

    with duckdb.connect(str(warehouse)) as con:
        assert not is_current(con, "transactions", TRANSACTIONS)
        con.execute(
            "update bronze.transactions set record = '{\"_erased\": true}' where _line_number = 1"
        )
    assert_true_counts(warehouse)


def test_reading_needs_no_write(warehouse: Path) -> None:
    add_load(warehouse, "1000.1", seed=1)
    written = kept(warehouse)

    with duckdb.connect(str(warehouse), read_only=True) as con:
        read = [{"entity": t, **read_drift(con, t, p)} for t, p in wanted()]
    assert read == written
    with duckdb.connect(str(warehouse)) as con:
        update_tables(con, wanted())  # nothing new: nothing counted, facts unchanged
        again = [{"entity": t, **read_drift(con, t, p)} for t, p in wanted()]
    assert again == written
