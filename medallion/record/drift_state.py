"""Schema drift kept in the warehouse, so a run record counts only the rows it has not seen.

``medallion_state`` (beside ``build_state``) holds, per bronze table:

- ``drift_tables``: the digest of the expected fields the facts were counted against; when
  the bronze model's ``fields`` change, the table's facts are counted again from scratch;
- ``drift_loads``: the dlt loads whose rows are counted, with their row counts;
- ``drift_facts``: the drift facts of those rows (``medallion.record.drift.facts_sql``), one
  row per (load, source file, level, kind, field), rows summed on reading;
- ``drift_pending`` and ``drift_pending_facts``: rows the erasure finaliser is about to rewrite
  and the facts they had before (see below).

Bringing a table up to date (:func:`update_table`) costs what changed: bronze only grows by
dlt loads, so the rows of loads not counted yet are counted (a load whose row count changed,
say one completed after a kill, is counted again). Nothing new is seen from the row count
alone, without a scan. Rows do change in one place: the erasure finaliser rewrites the records
of erased subjects, which can move a row out of the "missing" counts (a rewritten row carries a
marker) or change its keys. So the runner calls :func:`stage_rewrites` before the finaliser:
it notes the rows on the finaliser's work list and the facts they have then, in a transaction
of its own; the next update counts those rows again as they are now and applies the
difference. A kill anywhere in between leaves either the old facts and no note, or the note
with the facts still matching it. Rows of loads not counted yet need no note: they are counted
after the rewrite.

The record reads the facts with :func:`read_drift`; :func:`is_current` says, without a scan,
whether they describe bronze as it is.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import duckdb

from dlt_pipelines.state_schema import STATE_SCHEMA, table_exists
from medallion.record.drift import (
    ALL_ROWS,
    bronze_relation,
    drift_entry,
    expected_paths,
    facts_by_field_sql,
    facts_sql,
    paths_sha256,
    sql_string,
)

logger = logging.getLogger("medallion.record")

TABLES = f"{STATE_SCHEMA}.drift_tables"
LOADS = f"{STATE_SCHEMA}.drift_loads"
FACTS = f"{STATE_SCHEMA}.drift_facts"
PENDING = f"{STATE_SCHEMA}.drift_pending"
PENDING_FACTS = f"{STATE_SCHEMA}.drift_pending_facts"
STATE_TABLES = (
    "drift_tables",
    "drift_loads",
    "drift_facts",
    "drift_pending",
    "drift_pending_facts",
)
DLT_LOADS = ("bronze", "_dlt_loads")
TARGETS = ("silver", "slv_erasure_targets")
TARGET_COLUMNS = frozenset({"bronze_table", "_source_file", "_file_sha256", "_line_number"})
_FACT_COLUMNS = "load_id varchar, source_file varchar, level varchar, kind varchar, field varchar"
# No primary keys: the erasure finaliser copies the database into a fresh file, and plain
# tables copy as they are.
_DDL = (
    f"create schema if not exists {STATE_SCHEMA}",
    f"create table if not exists {TABLES} (bronze_table varchar, paths_sha256 varchar)",
    f"create table if not exists {LOADS} (bronze_table varchar, load_id varchar, rows bigint)",
    f"create table if not exists {FACTS} (bronze_table varchar, {_FACT_COLUMNS}, rows bigint)",
    f"""create table if not exists {PENDING} (
        bronze_table varchar, source_file varchar, file_sha256 varchar, line_number bigint
    )""",
    f"create table if not exists {PENDING_FACTS} "
    f"(bronze_table varchar, {_FACT_COLUMNS}, rows bigint)",
)


def has_state(con: duckdb.DuckDBPyConnection) -> bool:
    """True when the warehouse holds every drift state table."""
    rows = con.execute(
        "select table_name from information_schema.tables where table_schema = ?",
        [STATE_SCHEMA],
    ).fetchall()
    return set(STATE_TABLES) <= {str(row[0]) for row in rows}


def create_state(con: duckdb.DuckDBPyConnection) -> None:
    """Create the state tables that do not exist yet."""
    for statement in _DDL:
        con.execute(statement)


def drop_state(con: duckdb.DuckDBPyConnection) -> None:
    """Forget every counted fact: the next update counts all rows again."""
    for table in STATE_TABLES:
        con.execute(f"drop table if exists {STATE_SCHEMA}.{table}")


def _scalar(con: duckdb.DuckDBPyConnection, sql: str, parameters: list[Any]) -> Any:
    row = con.execute(sql, parameters).fetchone()
    return row[0] if row else None


def bronze_rows(con: duckdb.DuckDBPyConnection, table: str) -> int:
    """Rows of the bronze table (DuckDB knows without a scan)."""
    return int(_scalar(con, f"select count(*) from {bronze_relation(table)}", []) or 0)


def is_current(
    con: duckdb.DuckDBPyConnection, table: str, paths: list[str], state: bool = False
) -> bool:
    """True when the counted facts describe bronze ``table`` as it is (no scan).

    ``state``: the caller knows the state tables exist."""
    if not (state or has_state(con)):
        return False
    digest, covered, pending = con.execute(
        f"""
        select
            (select max(paths_sha256) from {TABLES} where bronze_table = $table),
            (select coalesce(sum(rows), 0) from {LOADS} where bronze_table = $table),
            (select count(*) from {PENDING} where bronze_table = $table)
        """,
        {"table": table},
    ).fetchone() or (None, 0, 0)
    return (
        digest == paths_sha256(paths)
        and int(pending) == 0
        and int(covered) == bronze_rows(con, table)
    )


def read_drift(con: duckdb.DuckDBPyConnection, table: str, paths: list[str]) -> dict[str, Any]:
    """The drift of ``table`` from its counted facts (see ``medallion.record.drift``)."""
    facts = f"select * from {FACTS} where bronze_table = {sql_string(table)}"
    return drift_entry(paths, con.execute(facts_by_field_sql(facts)).fetchall())


def _load_filter(load_ids: Iterable[str]) -> str:
    """A condition keeping the rows of these loads: literals, so that DuckDB skips the row
    groups of other loads (rows are stored in load order)."""
    listed = ", ".join(sql_string(load_id) for load_id in sorted(load_ids))
    return f"bronze_row._dlt_load_id in ({listed})" if listed else "false"


def _noted_rows_filter(con: duckdb.DuckDBPyConnection, table: str, pending: str) -> str:
    """A condition keeping the rows noted in ``pending`` (a relation with the columns of the
    pending table) whose load is counted.

    The rows are found by their lineage alone (a scan of the narrow lineage columns), then
    named by row id, so that the counting query reads records only between the first and the
    last of them and parses only theirs: counting them costs at most one read of the record
    column, never a JSON parse of every row. Row ids hold within the caller's transaction.
    """
    key = sql_string(table)
    con.execute(
        f"""
        create or replace temp table drift_noted_rows as
        select bronze_row.rowid as row_id
        from {bronze_relation(table)} as bronze_row
        semi join {pending} as noted
            on noted.bronze_table = {key}
            and noted.source_file = bronze_row._source_file
            and noted.file_sha256 = bronze_row._file_sha256
            and noted.line_number = bronze_row._line_number
        semi join {LOADS} as counted
            on counted.bronze_table = {key} and counted.load_id = bronze_row._dlt_load_id
        """
    )
    span = con.execute("select min(row_id), max(row_id) from drift_noted_rows").fetchone()
    if span is None or span[0] is None:
        return "false"
    first, last = span
    # A rowid range is a filter DuckDB applies while scanning, skipping the row groups outside
    # it; the row id list is joined.
    return (
        f"bronze_row.rowid between {int(first)} and {int(last)} "
        "and bronze_row.rowid in (select row_id from drift_noted_rows)"
    )


def _load_counts(
    con: duckdb.DuckDBPyConnection, table: str, row_filter: str = ALL_ROWS
) -> dict[str, int]:
    rows = con.execute(
        f"select _dlt_load_id, count(*) from {bronze_relation(table)} as bronze_row "
        f"where {row_filter} group by 1"
    ).fetchall()
    return {str(load_id): int(count) for load_id, count in rows}


def _changed_loads(
    con: duckdb.DuckDBPyConnection, table: str, covered: dict[str, int], total: int
) -> tuple[dict[str, int], set[str]]:
    """The loads to count (with their rows now) and the counted loads bronze no longer holds.

    First the loads dlt committed that are not counted yet (their rows found through the
    zone maps); when they do not add up to bronze's row count, every load is recounted.
    """
    if covered and table_exists(con, *DLT_LOADS):
        loads = con.execute("select load_id from bronze._dlt_loads").fetchall()
        committed = {str(row[0]) for row in loads}
        new = _load_counts(con, table, _load_filter(committed - covered.keys()))
        if sum(covered.values()) + sum(new.values()) == total:
            return new, set()
    now = _load_counts(con, table)
    changed = {load_id: rows for load_id, rows in now.items() if covered.get(load_id) != rows}
    return changed, covered.keys() - now.keys()


def _apply_pending(con: duckdb.DuckDBPyConnection, table: str, paths: list[str]) -> None:
    """Count the noted rows again as they are now; apply the difference to their facts."""
    key = sql_string(table)
    now = facts_sql(table, paths, _noted_rows_filter(con, table, PENDING))
    con.execute(
        f"""
        insert into {FACTS}
        select {key}, load_id, source_file, level, kind, field, sum(rows)::bigint
        from (
            select load_id, source_file, level, kind, field, rows from ({now}) as now_counted
            union all
            select load_id, source_file, level, kind, field, -rows
            from {PENDING_FACTS} where bronze_table = {key}
        ) as difference
        group by all
        having sum(rows) <> 0
        """
    )
    _compact(con, table)
    con.execute(f"delete from {PENDING} where bronze_table = {key}")
    con.execute(f"delete from {PENDING_FACTS} where bronze_table = {key}")


def _compact(con: duckdb.DuckDBPyConnection, table: str) -> None:
    """One row per fact again, none with zero rows."""
    key = sql_string(table)
    con.execute(
        f"""
        create or replace temp table drift_compacted as
        select bronze_table, load_id, source_file, level, kind, field, sum(rows)::bigint as rows
        from {FACTS} where bronze_table = {key}
        group by all
        having sum(rows) <> 0
        """
    )
    con.execute(f"delete from {FACTS} where bronze_table = {key}")
    con.execute(f"insert into {FACTS} select * from drift_compacted")
    con.execute("drop table drift_compacted")


def _forget(con: duckdb.DuckDBPyConnection, table: str) -> None:
    for state in (TABLES, LOADS, FACTS, PENDING, PENDING_FACTS):
        con.execute(f"delete from {state} where bronze_table = ?", [table])


def update_table(con: duckdb.DuckDBPyConnection, table: str, paths: list[str]) -> None:
    """Bring the facts of ``table`` up to date (inside the caller's transaction)."""
    digest = paths_sha256(paths)
    known = _scalar(con, f"select max(paths_sha256) from {TABLES} where bronze_table = ?", [table])
    if known != digest:
        _forget(con, table)
        con.execute(f"insert into {TABLES} values (?, ?)", [table, digest])
    if _scalar(con, f"select count(*) from {PENDING} where bronze_table = ?", [table]):
        _apply_pending(con, table, paths)
    covered = {
        str(load_id): int(rows)
        for load_id, rows in con.execute(
            f"select load_id, rows from {LOADS} where bronze_table = ?", [table]
        ).fetchall()
    }
    total = bronze_rows(con, table)
    if sum(covered.values()) == total:
        return
    changed, gone = _changed_loads(con, table, covered, total)
    dropped = sorted(changed.keys() | gone)
    for state in (LOADS, FACTS):
        if dropped:
            con.execute(
                f"delete from {state} where bronze_table = ? and list_contains(?, load_id)",
                [table, dropped],
            )
    if not changed:
        return
    row_filter = ALL_ROWS if not covered and not gone else _load_filter(changed)
    con.execute(
        f"insert into {FACTS} select {sql_string(table)}, * "
        f"from ({facts_sql(table, paths, row_filter)}) as counted"
    )
    con.executemany(
        f"insert into {LOADS} values (?, ?, ?)",
        [[table, load_id, rows] for load_id, rows in sorted(changed.items())],
    )


def update_tables(con: duckdb.DuckDBPyConnection, wanted: Sequence[tuple[str, list[str]]]) -> None:
    """Bring the facts of every (table, expected paths) up to date, in one transaction."""
    con.execute("begin transaction")
    try:
        create_state(con)
        for table, paths in wanted:
            update_table(con, table, paths)
        con.execute("commit")
    except BaseException:
        con.execute("rollback")
        raise


@contextmanager
def _writing(warehouse: Path, config: dict[str, str]) -> Iterator[duckdb.DuckDBPyConnection]:
    connection = duckdb.connect(str(warehouse), config=dict(config))
    try:
        yield connection
    finally:
        connection.close()


def _stage_table(con: duckdb.DuckDBPyConnection, table: str, paths: list[str]) -> None:
    """Note the finaliser's work-list rows of ``table`` not noted yet, with their facts now."""
    key = sql_string(table)
    con.execute(
        f"""
        create or replace temp table drift_staged as
        select distinct
            {key} as bronze_table,
            targets._source_file as source_file,
            targets._file_sha256 as file_sha256,
            targets._line_number as line_number
        from silver.slv_erasure_targets as targets
        anti join {PENDING} as noted
            on noted.bronze_table = {key}
            and noted.source_file = targets._source_file
            and noted.file_sha256 = targets._file_sha256
            and noted.line_number = targets._line_number
        where targets.bronze_table = {key}
        """
    )
    before = facts_sql(table, paths, _noted_rows_filter(con, table, "drift_staged"))
    con.execute(f"insert into {PENDING_FACTS} select {key}, * from ({before}) as before_counted")
    con.execute(f"insert into {PENDING} select * from drift_staged")
    con.execute("drop table drift_staged")


def _targets_readable(con: duckdb.DuckDBPyConnection) -> bool:
    """True when the work list names its rows by file lineage, as the finaliser matches them."""
    rows = con.execute(
        "select column_name from information_schema.columns "
        "where table_schema = ? and table_name = ?",
        list(TARGETS),
    ).fetchall()
    return {str(row[0]) for row in rows} >= TARGET_COLUMNS


def stage_rewrites(warehouse: Path, config: dict[str, str], project_dir: Path) -> None:
    """Before the erasure finaliser runs: note the bronze rows it is about to rewrite.

    Nothing to do before drift was first counted, or when the work list is absent (the
    finaliser then rewrites nothing). When the rows cannot be noted, every counted fact is
    forgotten instead (the next record counts all rows again); raises only when even that
    fails.
    """
    if not warehouse.is_file():
        return
    with _writing(warehouse, config) as con:
        if not has_state(con):
            return
        try:
            if not table_exists(con, *TARGETS):
                return
            if not _targets_readable(con):
                logger.warning("schema drift: the erasure work list lacks row lineage; recounting")
                drop_state(con)
                return
            counted = dict(
                (str(table), str(digest))
                for table, digest in con.execute(
                    f"select bronze_table, max(paths_sha256) from {TABLES} group by 1"
                ).fetchall()
            )
            con.execute("begin transaction")
            try:
                for table, digest in sorted(counted.items()):
                    paths = expected_paths(project_dir, table)
                    if paths_sha256(paths) == digest:
                        _stage_table(con, table, paths)
                con.execute("commit")
            except BaseException:
                con.execute("rollback")
                raise
        except (duckdb.Error, OSError, ValueError) as error:
            logger.warning("schema drift: rows to rewrite not noted (%s); recounting all", error)
            drop_state(con)


def current_drift(
    warehouse: Path, config: dict[str, str], wanted: Sequence[tuple[str, list[str]]]
) -> list[dict[str, Any]]:
    """Bring the facts of ``wanted`` (table, expected paths) up to date, then read them."""
    with _writing(warehouse, config) as con:
        update_tables(con, wanted)
        return [{"entity": table, **read_drift(con, table, paths)} for table, paths in wanted]
