"""The erasure work list compares only the bronze rows that may still hold personal data.

After a successful build, every bronze row of the ids it erased is anonymized in the loads it
held (macros/erasure_scope.sql). So a refresh compares the rows of its new loads, and every row
of the ids erased since; a full refresh compares every row again.

The real dataset is built. A request then lands for a kept customer whose transactions are all
in that first load: the refresh must erase them all. To see that rows outside the scope are not
read, one already erased bronze row gets a clear address back by hand, a state no pipeline step
makes: a refresh with a new hour leaves it, a full refresh rewrites it.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest
import yaml

from tests.conftest import run_cli
from tests.erasure.test_erasure_bytes import landing_records

pytestmark = [pytest.mark.slow, pytest.mark.real_data]

REQUEST_HOUR = "date=2020-03-01/hour=00"
NEW_HOUR = "date=2020-03-02/hour=00"
TRAP_ADDRESS = "1 Trap Street"


@dataclass(frozen=True)
class Scene:
    """A built warehouse, its refresh landing zone, and the customer erased by a refresh."""

    warehouse: Path
    landing: Path
    late_subject: str
    late_transactions: int
    refresh_output: str


def query(warehouse: Path, sql: str, *parameters: object) -> list[tuple[object, ...]]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute(sql, list(parameters)).fetchall()


def erasure_of(output: str) -> dict[str, object]:
    """The erasure section of the run record a command's output names."""
    record = yaml.safe_load(Path(output.split("run record:")[1].split()[0]).read_text())
    return dict(record["erasure"])


def clear_addresses(warehouse: Path, customer_id: str) -> int:
    """Bronze transactions of ``customer_id`` whose record still holds a delivery address."""
    rows = query(
        warehouse,
        "select count(*) from bronze.transactions "
        "where json_extract_string(record, '$.customer_id') = ? "
        "and json_extract_string(record, '$.delivery_address.address') is not null",
        customer_id,
    )
    return int(str(rows[0][0]))


@pytest.fixture(scope="module")
def scene(real_dataset: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Scene]:
    root = tmp_path_factory.mktemp("work_list_scope")
    patch = pytest.MonkeyPatch()
    patch.setenv("DBT_TARGET_PATH", str(root / "target"))
    patch.setenv("DBT_LOG_PATH", str(root / "logs"))
    try:
        warehouse = root / "warehouse" / "medallion.duckdb"
        run_cli("build", "--landing", str(real_dataset), warehouse=warehouse)
        kept = query(
            warehouse,
            "select customer_id from silver.slv_transactions where customer_id in "
            "(select customer_id from silver.slv_customers where not is_erased) "
            "group by customer_id having count(*) >= 3 order by customer_id limit 1",
        )
        late_subject = str(kept[0][0])
        transactions = clear_addresses(warehouse, late_subject)
        assert transactions >= 3
        landing = root / "landing"
        (landing / REQUEST_HOUR).mkdir(parents=True)
        (landing / REQUEST_HOUR / "erasure-requests.json").write_text(
            json.dumps({"customer-id": late_subject, "email": None}) + "\n"
        )
        refreshed = run_cli("refresh", "--landing", str(landing), warehouse=warehouse)
        yield Scene(warehouse, landing, late_subject, transactions, refreshed.stdout)
    finally:
        patch.undo()


def test_a_request_erases_the_rows_of_loads_built_before_it(scene: Scene) -> None:
    erasure = erasure_of(scene.refresh_output)
    # the request, the customer's line and every transaction line of the first load
    assert erasure["bronze_rows_rewritten"] == {
        "customers": 1,
        "erasure_requests": 1,
        "transactions": scene.late_transactions,
    }
    assert erasure["file_rewritten"] is True
    assert clear_addresses(scene.warehouse, scene.late_subject) == 0
    customer = query(
        scene.warehouse,
        "select record from bronze.customers where json_extract_string(record, '$.id') = ?",
        scene.late_subject,
    )
    assert customer
    assert all(json.loads(str(row[0]))["_erased"] is True for row in customer)
    stamps = dict(
        query(
            scene.warehouse,
            "select customer_id, listed_through_load_id from silver.int_erased_customers__listed",
        )
    )
    assert stamps[scene.late_subject] > max(
        stamp for customer_id, stamp in stamps.items() if customer_id != scene.late_subject
    )
    assert query(scene.warehouse, "select count(*) from silver.slv_erasure_targets") == [(0,)]


def test_the_erasure_restamps_the_orders_it_changes_and_not_their_lines(scene: Scene) -> None:
    """The erased customer's orders change (``is_customer_erased``), their order lines do not:
    the lines keep the build's stamp, so the day-keyed marts do not rebuild those days."""
    orders = query(
        scene.warehouse,
        "select is_customer_erased, _batch_at from gold.fct_orders where customer_id = ?",
        scene.late_subject,
    )
    refreshed_at = query(scene.warehouse, "select max(_batch_at) from gold.fct_orders")[0][0]
    assert len(orders) >= 3
    assert all(is_erased and stamp == refreshed_at for is_erased, stamp in orders)
    line_stamps = query(
        scene.warehouse,
        "select distinct _batch_at from gold.fct_order_lines where customer_id = ?",
        scene.late_subject,
    )
    day_stamps = query(
        scene.warehouse,
        "select distinct _batch_at from gold.mart_daily_sales where order_date in "
        "(select order_date from gold.fct_orders where customer_id = ?)",
        scene.late_subject,
    )
    assert line_stamps and day_stamps
    assert all(stamp < refreshed_at for (stamp,) in line_stamps + day_stamps)


def test_rows_outside_the_scope_are_compared_only_by_a_full_refresh(
    real_dataset: Path, scene: Scene
) -> None:
    erased_row = query(
        scene.warehouse,
        "select _source_file, _line_number from bronze.transactions "
        "where json_extract(record, '$._erased') and _source_file not like ? "
        "order by _source_file, _line_number limit 1",
        f"{REQUEST_HOUR}/%",
    )
    source_file, line_number = erased_row[0]
    with duckdb.connect(str(scene.warehouse)) as con:
        con.execute(
            "update bronze.transactions set record = json_merge_patch(record, ?) "
            "where _source_file = ? and _line_number = ?",
            [json.dumps({"delivery_address": {"address": TRAP_ADDRESS}}), source_file, line_number],
        )
    kept_transaction = next(
        t for t in landing_records(real_dataset, "transactions") if t["customer_id"] != ""
    )
    (scene.landing / NEW_HOUR).mkdir(parents=True)
    (scene.landing / NEW_HOUR / "transactions.json").write_text(
        json.dumps({**kept_transaction, "transaction_id": "scope-test-1"}) + "\n"
    )

    def trapped() -> int:
        rows = query(
            scene.warehouse,
            "select count(*) from bronze.transactions where record like ?",
            f"%{TRAP_ADDRESS}%",
        )
        return int(str(rows[0][0]))

    assert trapped() == 1
    refreshed = run_cli("refresh", "--landing", str(scene.landing), warehouse=scene.warehouse)
    assert erasure_of(refreshed.stdout)["bronze_rows_rewritten"] == {}
    assert trapped() == 1, "a refresh compared a row of a load an earlier build had finalised"
    full = run_cli(
        "refresh", "--full-refresh", "--landing", str(scene.landing), warehouse=scene.warehouse
    )
    assert erasure_of(full.stdout)["bronze_rows_rewritten"] == {"transactions": 1}
    assert trapped() == 0
