"""New lines of subjects erased earlier arrive anonymized: no file rewrite, no clear byte.

The real dataset is built (its 23 subjects erased, the file rewritten), and a request lands
for a customer bronze does not know yet. Then a new hour lands with clear lines of erased
customers (the records they had, and their transactions) beside lines of kept customers, and
two customers who are new to bronze but erased: the one that request named (matched by the
hash of the id), and one with a subject's email under a new id (matched by the hash of the
email; its transaction only through the customer line before it). The refresh must load the
erased lines already anonymized, exactly as the finaliser would have written them (the macros
of macros/erasure_records.sql), keep the others verbatim, and therefore not rewrite the file;
with storage uncompressed, no personal value of those lines may be in it.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path

import duckdb
import pyarrow as pa
import pytest
import yaml

from dlt_pipelines.anonymize import SALT_VARIABLE, read_anonymizer
from tests.conftest import run_cli
from tests.erasure.test_erasure_bytes import landing_records, uncompressed_storage

NEW_HOUR = "date=2020-03-01/hour=00"
REQUEST_HOUR = "date=2020-02-28/hour=00"
LATE_BY_ID, LATE_BY_EMAIL = "900002", "900001"


@dataclass(frozen=True)
class NewHour:
    """The refreshed warehouse, the new hour's lines and the refresh's output."""

    warehouse: Path
    erased_customers: list[str]
    kept_customers: list[str]
    erased_transactions: list[str]
    kept_transactions: list[str]
    stdout: str


def write_lines(path: Path, lines: list[str]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(line + "\n" for line in lines))


@pytest.fixture(scope="module")
def new_hour(real_dataset: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[NewHour]:
    root = tmp_path_factory.mktemp("ingest_anonymizes")
    with uncompressed_storage(root):
        warehouse = root / "warehouse" / "medallion.duckdb"
        run_cli("build", "--landing", str(real_dataset), warehouse=warehouse)
        with duckdb.connect(str(warehouse), read_only=True) as con:
            erased_ids = {
                str(row[0])
                for row in con.execute(
                    "select customer_id from silver.int_erased_customers"
                ).fetchall()
            }
        assert len(erased_ids) == 23
        customers = landing_records(real_dataset, "customers")
        transactions = landing_records(real_dataset, "transactions")
        requests = landing_records(real_dataset, "erasure-requests")
        landing = root / "landing"
        write_lines(
            landing / REQUEST_HOUR / "erasure-requests.json",
            [json.dumps({"customer-id": LATE_BY_ID, "email": "late.by.id@example.org"})],
        )
        run_cli("refresh", "--landing", str(landing), warehouse=warehouse)

        kept = [c for c in customers if c["id"] not in erased_ids and c["email"]][:2]
        late = [  # personal values of their own, so a kept line cannot show them
            {
                **kept[0],
                "id": customer_id,
                "email": email,
                "phone_number": f"+44 7700 {customer_id}",
                "address": f"{customer_id} Late Lane",
            }
            for customer_id, email in (
                (LATE_BY_ID, "late.by.id@example.org"),
                (LATE_BY_EMAIL, str(requests[0]["email"]).upper()),
            )
        ]
        erased = [c for c in customers if c["id"] in erased_ids][:3] + late
        erased_tx = [t for t in transactions if t["customer_id"] in erased_ids][:3] + [
            {
                **transactions[0],
                "transaction_id": f"late-{c['id']}",
                "customer_id": c["id"],
                "delivery_address": {
                    **transactions[0]["delivery_address"],
                    "address": c["address"],
                },
            }
            for c in late
        ]
        kept_tx = [t for t in transactions if t["customer_id"] not in erased_ids][:2]
        erased, kept, erased_tx, kept_tx = (
            [json.dumps(item) for item in group] for group in (erased, kept, erased_tx, kept_tx)
        )
        # erased and kept lines interleaved, so a replacement in the wrong place shows
        write_lines(landing / NEW_HOUR / "customers.json", [kept[0], *erased, kept[1]])
        write_lines(
            landing / NEW_HOUR / "transactions.json", [erased_tx[0], *kept_tx, *erased_tx[1:]]
        )
        refreshed = run_cli("refresh", "--landing", str(landing), warehouse=warehouse)
        yield NewHour(warehouse, erased, kept, erased_tx, kept_tx, refreshed.stdout)


def bronze_lines(warehouse: Path, table: str) -> list[str]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        rows = con.execute(
            f"select record from bronze.{table} where _source_file like ? order by _line_number",
            [f"{NEW_HOUR}/%"],
        ).fetchall()
    return [str(row[0]) for row in rows]


def anonymized(warehouse: Path, macro: str, lines: list[str]) -> list[str]:
    """What the finaliser's work list would write for ``lines`` (the build's own macro, with
    the salt dbt binds)."""
    salt = os.environ.get("MEDALLION_ERASURE_SALT", "test-salt")
    with duckdb.connect(str(warehouse), read_only=True) as con:
        con.execute(f"set variable {SALT_VARIABLE} = ?", [salt])
        return [
            str(con.execute(f"select silver.{macro}(?)", [line]).fetchall()[0][0]) for line in lines
        ]


@pytest.mark.real_data
def test_the_refresh_needs_no_file_rewrite(new_hour: NewHour) -> None:
    record_path = new_hour.stdout.split("run record:")[1].split()[0]
    record = yaml.safe_load(Path(record_path).read_text())
    erasure = record["erasure"]
    anonymized = record["loads"]["rows_anonymized_this_run"]
    assert (anonymized["customers"], anonymized["transactions"]) == (5, 5)
    assert (erasure["bronze_rows_rewritten"], erasure["file_rewritten"]) == ({}, False)
    with duckdb.connect(str(new_hour.warehouse), read_only=True) as con:
        assert con.execute("select count(*) from silver.slv_erasure_targets").fetchall() == [(0,)]


@pytest.mark.real_data
def test_erased_lines_are_loaded_as_the_finaliser_writes_them(new_hour: NewHour) -> None:
    customers = anonymized(
        new_hour.warehouse, "erasure_anonymized_customer", new_hour.erased_customers
    )
    transactions = anonymized(
        new_hour.warehouse, "erasure_anonymized_transaction", new_hour.erased_transactions
    )
    assert all('"_erased":true' in record for record in [*customers, *transactions])
    assert bronze_lines(new_hour.warehouse, "customers") == [
        new_hour.kept_customers[0],
        *customers,
        new_hour.kept_customers[1],
    ]
    assert bronze_lines(new_hour.warehouse, "transactions") == [
        transactions[0],
        *new_hour.kept_transactions,
        *transactions[1:],
    ]


@pytest.mark.real_data
def test_silver_sees_the_new_lines_as_erased(new_hour: NewHour) -> None:
    with duckdb.connect(str(new_hour.warehouse), read_only=True) as con:
        rows = con.execute(
            """
            select is_erased, count(*), count(email) from silver.int_customers__checked
            where _source_file like ? group by 1 order by 1
            """,
            [f"{NEW_HOUR}/%"],
        ).fetchall()
    assert rows == [(False, 2, 2), (True, 5, 0)]


@pytest.mark.real_data
def test_no_personal_value_of_the_new_lines_is_in_the_file(new_hour: NewHour) -> None:
    data = new_hour.warehouse.read_bytes()
    kept_email = json.loads(new_hour.kept_customers[0])["email"]
    assert kept_email.encode() in data, "positive control: a kept email must be visible"
    values = set()
    for line in new_hour.erased_customers:
        customer = json.loads(line)
        values.update(customer[key] for key in ("email", "phone_number") if customer[key])
    for line in new_hour.erased_transactions:
        address = json.loads(line)["delivery_address"]["address"]
        if address:
            values.add(address)
    assert len(values) >= 6
    leaks = [value for value in values if value.encode() in data]
    assert not leaks


@pytest.mark.real_data
def test_the_anonymizer_matches_by_id_and_by_hash_and_leaves_other_lines_alone(
    new_hour: NewHour,
) -> None:
    """Each way of knowing who is erased finds the five erased lines on its own (the ids the
    last build erased; the subjects' hashes with the salt); without either nothing changes."""
    salt = os.environ.get("MEDALLION_ERASURE_SALT", "test-salt")
    with duckdb.connect(str(new_hour.warehouse), read_only=True) as con:
        full = read_anonymizer(lambda sql: con.execute(sql).fetchall(), salt)
    assert full is not None and len(full.erased_customer_ids) == 25
    assert len(full.subject_id_hashes) == 24
    lines = pa.chunked_array([pa.array([*new_hour.kept_customers, *new_hour.erased_customers])])
    is_valid = pa.chunked_array([pa.array([True] * len(lines))])
    by_ids = replace(full, subject_id_hashes=(), subject_email_hashes=())
    by_hashes = replace(full, erased_customer_ids=())
    nobody = replace(by_ids, erased_customer_ids=())
    for anonymizer, expected_changed in ((by_ids, 5), (by_hashes, 5), (nobody, 0)):
        with duckdb.connect() as scratch:
            anonymizer.install(scratch)
            out, positions = anonymizer.anonymize(scratch, "customers", lines, is_valid)
        changed = [
            i
            for i, (a, b) in enumerate(zip(out.to_pylist(), lines.to_pylist(), strict=True))
            if a != b
        ]
        assert changed == list(positions) == list(range(2, 2 + expected_changed))
