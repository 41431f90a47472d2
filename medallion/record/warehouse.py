"""What the warehouse says after a run: bronze totals, reconciliation, quarantine, erasure, drift.

Every query reads counts or masked examples only. A table the run did not build (a failed or
partial run) is skipped, and its part of the record stays empty. None scans a whole bronze or
silver table: counts come from DuckDB's metadata or from small tables (quarantine, erasure
subjects, the file registry), and schema drift from the facts ``medallion.record.drift_state``
keeps up to date.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import duckdb

from dlt_pipelines.kafka.names import OFFSETS_TABLE
from dlt_pipelines.kafka.offsets import OffsetIndex
from dlt_pipelines.landing import ENTITY_TABLES
from dlt_pipelines.state_schema import STATE_SCHEMA
from medallion import build_state
from medallion.record.drift import expected_paths, schema_drift
from medallion.record.drift_state import STATE_TABLES, is_current, read_drift
from medallion.record.masking import mask_record
from medallion.settings import duckdb_memory_settings, duckdb_settings

BRONZE_TABLES = tuple(ENTITY_TABLES.values())
RECONCILIATION = ("silver", "slv_reconciliation")
REGISTRY = ("bronze", "landing_files")
KAFKA_OFFSETS = ("bronze", OFFSETS_TABLE)
# Normalises "lines[3].sku: unknown product" to "lines[].sku: unknown product", as the
# mart_data_quality model does: a rule is counted once per row, whatever the line.
LINE_POSITION = r"^lines\[[0-9]+\]"
EXAMPLES_PER_RULE = 3


@contextmanager
def open_warehouse(warehouse: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    """A connection to the warehouse for reading.

    Read-only when possible. dbt-duckdb keeps its connection open until the process ends, and
    DuckDB refuses a second connection to the same file with another configuration in one
    process, so after an in-process ``dbt build`` the run's own configuration is used instead.
    """
    # The run's memory limit holds here too: without it DuckDB may take 80% of the machine.
    config = {**duckdb_settings(), **duckdb_memory_settings()}
    with build_state.open_warehouse(warehouse, config) as connection:
        yield connection


def tables(connection: duckdb.DuckDBPyConnection) -> set[tuple[str, str]]:
    """(schema, table) of every table and view of the warehouse."""
    rows = connection.execute(
        "select table_schema, table_name from information_schema.tables"
    ).fetchall()
    return {(str(schema), str(name)) for schema, name in rows}


def columns(connection: duckdb.DuckDBPyConnection, schema: str, table: str) -> set[str]:
    """The column names of ``schema.table``."""
    rows = connection.execute(
        "select column_name from information_schema.columns "
        "where table_schema = ? and table_name = ?",
        [schema, table],
    ).fetchall()
    return {str(row[0]) for row in rows}


def bronze_totals(
    connection: duckdb.DuckDBPyConnection, present: set[tuple[str, str]]
) -> dict[str, int]:
    """Rows per bronze table, all loads included."""
    totals: dict[str, int] = {}
    for table in BRONZE_TABLES:
        if ("bronze", table) in present:
            row = connection.execute(f"select count(*) from bronze.{table}").fetchone()
            totals[table] = int(row[0]) if row else 0
    return totals


def registry_lines(
    connection: duckdb.DuckDBPyConnection, present: set[tuple[str, str]]
) -> dict[tuple[str, str], tuple[int, int]]:
    """(path, SHA-256) -> (lines, invalid lines) of every file version bronze holds."""
    if REGISTRY not in present:
        return {}
    rows = connection.execute(
        "select relative_path, file_sha256, lines, invalid_lines from bronze.landing_files"
    ).fetchall()
    return {(str(path), str(sha)): (int(lines), int(bad)) for path, sha, lines, bad in rows}


def reconciliation(
    connection: duckdb.DuckDBPyConnection, present: set[tuple[str, str]]
) -> list[dict[str, Any]]:
    """silver.slv_reconciliation, one entry per entity."""
    if RECONCILIATION not in present:
        return []
    rows = connection.execute(
        "select entity, bronze_rows, silver_rows, quarantine_rows, duplicate_rows, is_reconciled "
        "from silver.slv_reconciliation order by entity"
    ).fetchall()
    return [
        {
            "entity": str(entity),
            "bronze_rows": int(bronze),
            "silver_rows": int(silver),
            "quarantine_rows": int(quarantine),
            "duplicate_rows": int(duplicate),
            "is_reconciled": bool(reconciled),
        }
        for entity, bronze, silver, quarantine, duplicate, reconciled in rows
    ]


def _quarantine_models(present: set[tuple[str, str]]) -> list[tuple[str, str]]:
    return [
        (entity, f"slv_{entity}_quarantine")
        for entity in BRONZE_TABLES
        if ("silver", f"slv_{entity}_quarantine") in present
    ]


def quarantine(
    connection: duckdb.DuckDBPyConnection, present: set[tuple[str, str]]
) -> dict[str, Any]:
    """Quarantined rows per entity and rule (``_errors`` unnested), with masked examples."""
    by_rule: list[dict[str, Any]] = []
    rows_per_entity: dict[str, int] = {}
    for entity, model in _quarantine_models(present):
        counted = connection.execute(
            f"""
            select rule, count(*) as row_count
            from (
                select distinct
                    _source_file, _file_sha256, _line_number,
                    regexp_replace(error, $position, 'lines[]') as rule
                from (
                    select _source_file, _file_sha256, _line_number, unnest(_errors) as error
                    from silver.{model}
                )
            )
            group by rule
            order by row_count desc, rule
            """,
            {"position": LINE_POSITION},
        ).fetchall()
        by_rule.extend({"entity": entity, "rule": str(r), "rows": int(n)} for r, n in counted)
        total = connection.execute(f"select count(*) from silver.{model}").fetchone()
        rows_per_entity[entity] = int(total[0]) if total else 0
    by_rule.sort(key=lambda item: (-item["rows"], item["entity"], item["rule"]))
    return {
        "total_rows": sum(rows_per_entity.values()),
        "rows_per_entity": rows_per_entity,
        "by_rule": by_rule,
        "examples": _examples(connection, present, by_rule),
    }


def _examples(
    connection: duckdb.DuckDBPyConnection,
    present: set[tuple[str, str]],
    rules: list[dict[str, Any]],
) -> list[dict[str, Any]]:
    """A few rows per rule (rules are few: they are defined in macros/rules/); erased subjects'
    rows are never read (their record is null)."""
    examples: list[dict[str, Any]] = []
    erased_column: dict[str, bool] = {}
    for rule in rules:
        entity = rule["entity"]
        model = f"slv_{entity}_quarantine"
        if ("silver", model) not in present:
            continue
        if model not in erased_column:
            erased_column[model] = "is_erased" in columns(connection, "silver", model)
        not_erased = "and not coalesce(is_erased, false)" if erased_column[model] else ""
        rows = connection.execute(
            f"""
            select _source_file, _line_number, _errors, record
            from silver.{model}
            where list_contains(
                list_transform(_errors, error -> regexp_replace(error, $position, 'lines[]')),
                $rule
            )
            {not_erased}
            order by _source_file, _line_number
            limit {EXAMPLES_PER_RULE}
            """,
            {"position": LINE_POSITION, "rule": rule["rule"]},
        ).fetchall()
        examples.extend(
            {
                "entity": entity,
                "rule": rule["rule"],
                "source_file": str(source_file),
                "line_number": int(line_number),
                "errors": [str(error) for error in errors or []],
                "record": mask_record(entity, record),
            }
            for source_file, line_number, errors, record in rows
        )
    return examples


def erasure_facts(
    connection: duckdb.DuckDBPyConnection, present: set[tuple[str, str]]
) -> dict[str, Any]:
    """Erasure counts from silver (no hashes, ids or emails)."""

    def count(model: str, where: str = "true") -> int | None:
        if ("silver", model) not in present:
            return None
        row = connection.execute(f"select count(*) from silver.{model} where {where}").fetchone()
        return int(row[0]) if row else 0

    facts: dict[str, Any] = {
        "subjects": count("slv_erasure_subjects"),
        "subjects_resolved": count("slv_erasure_subjects", "is_resolved"),
        "requests_applied": count("slv_erasure_requests"),
        "requests_quarantined": count("slv_erasure_requests_quarantine"),
        "rows_anonymized": {},
    }
    if ("silver", "slv_erasure_audit") in present:
        row = connection.execute(
            """
            select
                coalesce(sum(bronze_customer_rows), 0),
                coalesce(sum(bronze_transaction_rows), 0),
                coalesce(sum(silver_customer_rows), 0),
                coalesce(sum(silver_transaction_rows), 0)
            from silver.slv_erasure_audit
            """
        ).fetchone()
        if row:
            facts["rows_anonymized"] = {
                "bronze_customers": int(row[0]),
                "bronze_transactions": int(row[1]),
                "silver_customers": int(row[2]),
                "silver_transactions": int(row[3]),
            }
    return facts


def drift_tables(present: set[tuple[str, str]], project_dir: Path) -> list[tuple[str, list[str]]]:
    """(table, expected field paths) of every bronze table the warehouse holds."""
    return [
        (table, expected_paths(project_dir, table))
        for table in BRONZE_TABLES
        if ("bronze", table) in present
    ]


def drift(
    connection: duckdb.DuckDBPyConnection,
    present: set[tuple[str, str]],
    wanted: list[tuple[str, list[str]]],
) -> list[dict[str, Any]] | None:
    """Schema drift per bronze table from the counted facts (see ``medallion.record.drift``);
    None when they do not describe bronze as it is (``drift_state.current_drift`` updates them)."""
    if not all((STATE_SCHEMA, table) in present for table in STATE_TABLES):
        return None if wanted else []
    if not all(is_current(connection, table, paths, state=True) for table, paths in wanted):
        return None
    return [{"entity": table, **read_drift(connection, table, paths)} for table, paths in wanted]


def drift_by_scan(
    connection: duckdb.DuckDBPyConnection, wanted: list[tuple[str, list[str]]]
) -> list[dict[str, Any]]:
    """Schema drift per bronze table counted from every row (when the facts cannot be kept)."""
    return [{"entity": table, **schema_drift(connection, table, paths)} for table, paths in wanted]


def kafka_offsets(
    connection: duckdb.DuckDBPyConnection, present: set[tuple[str, str]]
) -> list[dict[str, Any]]:
    """Per topic partition bronze holds: messages, lowest and highest offset, and the gaps
    between them (offsets never loaded: possible data loss upstream), from the offset runs."""
    if KAFKA_OFFSETS not in present:
        return []
    runs = connection.execute(
        f"""
        select topic, "partition", table_name, first_offset, last_offset, messages
        from bronze.{OFFSETS_TABLE}
        order by topic, "partition", first_offset
        """
    ).fetchall()
    partitions: dict[tuple[str, int], dict[str, Any]] = {}
    for topic, partition, table, first, last, messages in runs:
        entry = partitions.setdefault(
            (str(topic), int(partition)),
            {
                "topic": str(topic),
                "partition": int(partition),
                "table": str(table),
                "messages": 0,
                "first_offset": int(first),
                "last_offset": int(last),
            },
        )
        entry["messages"] += int(messages)
        entry["first_offset"] = min(entry["first_offset"], int(first))
        entry["last_offset"] = max(entry["last_offset"], int(last))
    index = OffsetIndex.from_runs(
        (str(topic), int(partition), int(first), int(last))
        for topic, partition, _, first, last, _ in runs
    )
    for key, entry in partitions.items():
        entry["gaps"] = [
            {"from": start, "to": end, "missing": end - start + 1} for start, end in index.gaps(key)
        ]
    return [partitions[key] for key in sorted(partitions)]
