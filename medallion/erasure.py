"""Erasure finalisation: make an erasure physical after dbt has anonymized silver and gold.

dbt decides what to erase (``silver.slv_erasure_targets``: the bronze rows of erased
subjects that still hold personal data, each with its anonymized record). This module
only applies that decision to bronze, then rewrites the warehouse file so the old values
do not survive in DuckDB's free blocks (see ``warehouse_file``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from dlt_pipelines.kafka.names import DUMP_ERRORS_TABLE
from dlt_pipelines.kafka.names import TABLE_PREFIX as TOPIC_TABLE_PREFIX
from medallion.build_state import table_exists
from medallion.warehouse_file import DuckDBConfig, rewrite_warehouse_file

TARGETS = "silver.slv_erasure_targets"
# What a Kafka dump line that could not be read as a message becomes once it is found to
# name an erased customer: such a line has no fields to null, so it is replaced whole.
REDACTED_DUMP_LINE = "(redacted: this dump line named an erased customer)"
# Work-list rows rewritten per transaction (~50 MB of records each).
BATCH_ROWS = 100_000


@dataclass(frozen=True)
class ErasureOutcome:
    """What a finalisation changed: bronze rows rewritten per table, and the file rewrite."""

    rows_rewritten: dict[str, int] = field(default_factory=dict)
    file_rewritten: bool = False

    @property
    def total_rows(self) -> int:
        """Bronze rows rewritten in all tables."""
        return sum(self.rows_rewritten.values())


def _target_tables(con: duckdb.DuckDBPyConnection) -> list[str]:
    """The bronze tables the work list names that exist (topic tables exist once loaded)."""
    rows = con.execute(
        f"""
        select distinct targets.bronze_table
        from {TARGETS} as targets
        inner join information_schema.tables as existing
            on existing.table_schema = 'bronze' and existing.table_name = targets.bronze_table
        order by 1
        """
    ).fetchall()
    return [str(row[0]) for row in rows]


def _row_match(table: str) -> str:
    """How a work-list row finds its bronze row: file lineage, or a message's coordinates."""
    if table.startswith(TOPIC_TABLE_PREFIX):
        return """
                  and targets._kafka_topic = bronze_row.topic
                  and targets._kafka_partition = bronze_row."partition"
                  and targets._kafka_offset = bronze_row."offset"
        """
    return """
                  and targets._source_file = bronze_row._source_file
                  and targets._file_sha256 = bronze_row._file_sha256
                  and targets._line_number = bronze_row._line_number
        """


def _batch_count(con: duckdb.DuckDBPyConnection, table: str) -> int:
    """How many batches the table's work-list rows are rewritten in (BATCH_ROWS at most each)."""
    row = con.execute(f"select count(*) from {TARGETS} where bronze_table = ?", [table]).fetchone()
    rows = int(row[0]) if row else 0
    return max(1, -(-rows // BATCH_ROWS))


def apply_bronze_erasure(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    """Rewrite the bronze rows listed in the targets model; return rows changed per table.

    Each table is rewritten in batches of at most ``BATCH_ROWS`` work-list rows, one
    transaction each: an UPDATE keeps the old and new values of every row it changes in
    memory until it commits, which for hundreds of thousands of records is more than the
    memory limit. A kill between batches loses nothing: rows already rewritten drop out of
    the work list's match (their record equals the anonymized one), and the work list is
    emptied only after the last batch.
    """
    changed: dict[str, int] = {}
    if not table_exists(con, "silver", "slv_erasure_targets"):
        return changed
    for table in _target_tables(con):
        batches = _batch_count(con, table)
        changed[table] = 0
        for batch in range(batches):
            # Table names come from the work list, checked against the catalogue above, and
            # are quoted as identifiers; row values are parameters.
            result = con.execute(
                f"""
                update bronze."{table.replace('"', '""')}" as bronze_row
                set record = cast(targets.anonymized_record as varchar)
                from {TARGETS} as targets
                where targets.bronze_table = ?
                  and hash(
                      targets._source_file, targets._line_number,
                      targets._kafka_topic, targets._kafka_offset
                  ) % ? = ?
                  {_row_match(table)}
                  and bronze_row.record is distinct from cast(targets.anonymized_record as varchar)
                """,
                [table, batches, batch],
            ).fetchone()
            changed[table] += int(result[0]) if result else 0
    # The work list is done: empty it, so it never shows stale work.
    con.execute(f"delete from {TARGETS}")
    return changed


def redact_dump_errors(con: duckdb.DuckDBPyConnection) -> int:
    """Replace the unreadable Kafka dump lines that name an erased customer; return how many.

    Lines of ``bronze.kafka_dump_errors`` are kept verbatim for diagnosis, so one may hold a
    record of an erased customer that never became a message. A line is redacted when it
    holds an erased customer id as a JSON string (``"123456"``, or escaped inside a
    payload string: ``\\"123456\\"``); its reason, file and line
    number stay, so the dump accounting does not change.
    """
    needed = (("bronze", DUMP_ERRORS_TABLE), ("silver", "slv_customers"))
    if not all(table_exists(con, schema, table) for schema, table in needed):
        return 0
    result = con.execute(
        f"""
        update bronze.{DUMP_ERRORS_TABLE} as dump_error
        set line = ?
        where dump_error.line <> ?
          and exists (
              select 1 from silver.slv_customers as customer
              where customer.is_erased
                and (
                    contains(dump_error.line, '"' || customer.customer_id || '"')
                    or contains(dump_error.line, '"' || customer.customer_id || '\\"')
                )
          )
        """,
        [REDACTED_DUMP_LINE, REDACTED_DUMP_LINE],
    ).fetchone()
    return int(result[0]) if result else 0


def finalise_erasure(warehouse: Path, config: DuckDBConfig | None = None) -> ErasureOutcome:
    """Apply dbt's erasure decisions to bronze and, when anything changed, rewrite the file."""
    with duckdb.connect(str(warehouse), config=dict(config or {})) as con:
        changed = apply_bronze_erasure(con)
        redacted = redact_dump_errors(con)
        if redacted:
            changed[DUMP_ERRORS_TABLE] = redacted
    if not any(changed.values()):
        return ErasureOutcome(changed, file_rewritten=False)
    rewrite_warehouse_file(warehouse, config)
    return ErasureOutcome(changed, file_rewritten=True)
