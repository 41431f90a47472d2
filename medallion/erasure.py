"""Erasure finalisation: make an erasure physical after dbt has anonymized silver and gold.

dbt decides what to erase (``silver.slv_erasure_targets``: the bronze rows of erased
subjects that still hold personal data, each with its anonymized record). This module
applies that decision while it rewrites the warehouse file (see ``warehouse_file``): the
export the fresh file is built from holds the anonymized records in place of the clear ones,
so the personal values are never updated in the file, and the process that writes the fresh
file never sees them. The swap to the fresh file is atomic; until it happens the old file,
with its work list, is untouched, and the next build lists the same work again.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from dlt_pipelines.kafka.names import DUMP_ERRORS_TABLE
from dlt_pipelines.kafka.names import TABLE_PREFIX as TOPIC_TABLE_PREFIX
from dlt_pipelines.state_schema import table_exists
from medallion.warehouse_file import (
    DuckDBConfig,
    quoted_identifier,
    rewrite_warehouse_file,
    sql_string,
)

TARGETS = "silver.slv_erasure_targets"
# What a Kafka dump line that could not be read as a message becomes once it is found to
# name an erased customer: such a line has no fields to null, so it is replaced whole.
REDACTED_DUMP_LINE = "(redacted: this dump line named an erased customer)"


@dataclass(frozen=True)
class ErasureOutcome:
    """What a finalisation changed: bronze rows rewritten per table, and the file rewrite."""

    rows_rewritten: dict[str, int] = field(default_factory=dict)
    file_rewritten: bool = False

    def followed_by(self, later: ErasureOutcome) -> ErasureOutcome:
        """This finalisation and a later one in the same run, as one."""
        rows = dict(self.rows_rewritten)
        for table, count in later.rows_rewritten.items():
            rows[table] = rows.get(table, 0) + count
        return ErasureOutcome(rows, self.file_rewritten or later.file_rewritten)

    @property
    def total_rows(self) -> int:
        """Bronze rows rewritten in all tables."""
        return sum(self.rows_rewritten.values())


class ErasureError(Exception):
    """The work list cannot be applied as it is (the warehouse is left untouched)."""


def _target_tables(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    """Work-list rows per bronze table the list names that exists (topic tables exist once
    loaded). The list holds only rows whose record differs from the anonymized one.

    Raises ``ErasureError`` when the list names a bronze row twice: the copy joins the list
    to bronze and would write that row twice (dbt's key test on the list reports it too).
    """
    rows = con.execute(
        f"""
        select
            targets.bronze_table,
            count(*),
            count(distinct (
                targets._source_file, targets._file_sha256, targets._line_number,
                targets._kafka_topic, targets._kafka_partition, targets._kafka_offset
            ))
        from {TARGETS} as targets
        inner join information_schema.tables as existing
            on existing.table_schema = 'bronze' and existing.table_name = targets.bronze_table
        group by 1
        order by 1
        """
    ).fetchall()
    for table, listed, distinct in rows:
        if listed != distinct:
            raise ErasureError(
                f"{TARGETS} lists {int(listed) - int(distinct)} row(s) of bronze.{table} more "
                "than once; nothing was rewritten (see the key test of slv_erasure_targets)"
            )
    return {str(table): int(listed) for table, listed, _ in rows}


def _row_match(table: str) -> str:
    """How a work-list row finds its bronze row: file lineage, or a message's coordinates."""
    if table.startswith(TOPIC_TABLE_PREFIX):
        return """
                  targets._kafka_topic = bronze_row.topic
                  and targets._kafka_partition = bronze_row."partition"
                  and targets._kafka_offset = bronze_row."offset"
        """
    return """
                  targets._source_file = bronze_row._source_file
                  and targets._file_sha256 = bronze_row._file_sha256
                  and targets._line_number = bronze_row._line_number
        """


def anonymized_rows(table: str) -> str:
    """The rows of a bronze table with the work list's anonymized records in place.

    The work list names each bronze row once at most (``_target_tables`` refuses it
    otherwise), so the left join keeps every bronze row exactly once.
    """
    # Table names come from the catalogue (see _target_tables) and are quoted.
    return f"""
        select bronze_row.* replace (
            case
                when targets.bronze_table is null then bronze_row.record
                else cast(targets.anonymized_record as varchar)
            end as record
        )
        from bronze.{quoted_identifier(table)} as bronze_row
        left join (
            select * from {TARGETS} where bronze_table = {sql_string(table)}
        ) as targets
            on {_row_match(table)}
    """


_NAMES_ERASED_CUSTOMER = """
    exists (
        select 1 from silver.slv_customers as customer
        where customer.is_erased
          and (
              contains(dump_error.line, '"' || customer.customer_id || '"')
              or contains(dump_error.line, '"' || customer.customer_id || '\\"')
          )
    )
"""


def dump_error_redactions(con: duckdb.DuckDBPyConnection) -> int:
    """How many unreadable Kafka dump lines name an erased customer and are not redacted yet.

    Lines of ``bronze.kafka_dump_errors`` are kept verbatim for diagnosis, so one may hold a
    record of an erased customer that never became a message. A line names one when it
    holds an erased customer id as a JSON string (``"123456"``, or escaped inside a payload
    string: ``\\"123456\\"``). Such a line is replaced whole (see ``redacted_dump_errors``);
    its reason, file and line number stay, so the dump accounting does not change.
    """
    needed = (("bronze", DUMP_ERRORS_TABLE), ("silver", "slv_customers"))
    if not all(table_exists(con, schema, table) for schema, table in needed):
        return 0
    row = con.execute(
        f"""
        select count(*) from bronze.{DUMP_ERRORS_TABLE} as dump_error
        where dump_error.line <> ? and {_NAMES_ERASED_CUSTOMER}
        """,
        [REDACTED_DUMP_LINE],
    ).fetchone()
    return int(row[0]) if row else 0


def redacted_dump_errors() -> str:
    """The rows of ``bronze.kafka_dump_errors`` with the lines that name an erased customer
    replaced by ``REDACTED_DUMP_LINE``."""
    return f"""
        select dump_error.* replace (
            case
                when {_NAMES_ERASED_CUSTOMER} then {sql_string(REDACTED_DUMP_LINE)}
                else dump_error.line
            end as line
        )
        from bronze.{DUMP_ERRORS_TABLE} as dump_error
    """


def finalise_erasure(warehouse: Path, config: DuckDBConfig | None = None) -> ErasureOutcome:
    """Apply dbt's erasure decisions to bronze by rewriting the file, when there are any.

    The fresh file gets every bronze row of the work list with its anonymized record, the
    dump lines naming erased customers redacted, and an empty work list (the work is done).
    """
    with duckdb.connect(str(warehouse), config=dict(config or {})) as con:
        has_work_list = table_exists(con, "silver", "slv_erasure_targets")
        changed = _target_tables(con) if has_work_list else {}
        redacted = dump_error_redactions(con)
    if redacted:
        changed[DUMP_ERRORS_TABLE] = redacted
    if not any(changed.values()):
        return ErasureOutcome(changed, file_rewritten=False)
    queries = {
        ("bronze", table): anonymized_rows(table) for table in changed if table != DUMP_ERRORS_TABLE
    }
    if redacted:
        queries[("bronze", DUMP_ERRORS_TABLE)] = redacted_dump_errors()
    if has_work_list:
        queries[("silver", "slv_erasure_targets")] = f"select * from {TARGETS} limit 0"
    rewrite_warehouse_file(warehouse, config, queries)
    return ErasureOutcome(changed, file_rewritten=True)
