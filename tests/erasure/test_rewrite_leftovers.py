"""A rewrite that fails or is killed before its swap leaves the old file, and nothing else.

The rewrite works in ``<warehouse>.rewrite/`` (the export and the fresh file). A failed
import is reported with the reason, the warehouse file keeps every byte and the directory is
removed; what a killed rewrite left there is removed by the next one, which then succeeds.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import duckdb
import pytest

from medallion.warehouse_file import RewriteError, rewrite_warehouse_file, rewrite_workspace
from tests.erasure.test_finaliser_work_list import UNCOMPRESSED, records, warehouse_with


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_a_failed_import_leaves_the_old_file_and_no_leftovers(tmp_path: Path) -> None:
    warehouse = warehouse_with(tmp_path / "w.duckdb", [1])
    before = digest(warehouse)
    # A row whose line number is not a number: the import into the fresh file fails.
    broken = {("bronze", "transactions"): "select 'r', 'f', 's', 'not a number'"}

    with pytest.raises(RewriteError, match="not a number"):
        rewrite_warehouse_file(warehouse, UNCOMPRESSED, broken)

    assert digest(warehouse) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["w.duckdb"]


def test_the_next_rewrite_clears_what_a_killed_one_left(tmp_path: Path) -> None:
    warehouse = warehouse_with(tmp_path / "w.duckdb", [1])
    before = records(warehouse)
    workspace = rewrite_workspace(warehouse)
    (workspace / "export").mkdir(parents=True)
    (workspace / "export" / "load.sql").write_text("copy bronze.transactions from 'x';\n")
    (workspace / "w.duckdb").write_bytes(b"half written")

    rewrite_warehouse_file(warehouse, UNCOMPRESSED)

    assert records(warehouse) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["w.duckdb"]
    with duckdb.connect(str(warehouse), read_only=True) as con:
        assert con.execute("select count(*) from silver.slv_erasure_targets").fetchone() == (1,)
