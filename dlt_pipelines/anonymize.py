"""Anonymize new landing lines of subjects erased earlier, before they reach the warehouse.

An erasure is made physical by rewriting the whole warehouse file (``medallion/erasure.py``),
which costs minutes on a large warehouse. Without this module an ordinary hour that brings a
line of a customer erased last week would need that rewrite too. So the ingest's extract
process (``dlt_pipelines/extract_child.py``) writes such lines already anonymized, with the very
records dbt's work list (``silver.slv_erasure_targets``) would write: both come from the DuckDB
macros the work list's model creates (``macros/erasure_records.sql``), copied here from the
warehouse. A line anonymized here is not listed again, so no rewrite runs for it.

What is erased is read from the last build (``int_erased_customers``), and only its customer
ids are used: they stay erased in every later build. Anything this misses (a subject erased
by a request in the same load, lines of Kafka topics) is still listed by dbt and rewritten.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, cast

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

# bronze table -> (macro giving a record's customer id, macro giving its anonymized record)
ANONYMIZED_TABLES: dict[str, tuple[str, str]] = {
    "customers": ("erasure_customer_key", "erasure_anonymized_customer"),
    "transactions": ("erasure_transaction_customer_key", "erasure_anonymized_transaction"),
}
MACRO_NAMES = sorted({name for pair in ANONYMIZED_TABLES.values() for name in pair})
ERASED_CUSTOMERS_TABLE = "int_erased_customers"

Query = Callable[[str], Sequence[Sequence[object]]]


@dataclass(frozen=True)
class MacroDefinition:
    """A DuckDB scalar macro as the catalogue shows it (``duckdb_functions()``)."""

    name: str
    parameters: tuple[str, ...]
    definition: str

    def create_sql(self) -> str:
        """The statement that creates the macro in another database."""
        parameters = ", ".join(self.parameters)
        return f"create or replace macro {self.name}({parameters}) as {self.definition}"


@dataclass(frozen=True)
class ErasureAnonymizer:
    """The customer ids erased by the last build, and the macros that anonymize records."""

    erased_customer_ids: tuple[str, ...]
    macros: tuple[MacroDefinition, ...]

    def to_json(self) -> dict[str, object]:
        """A JSON-ready form, for the extract process's request."""
        return {
            "erased_customer_ids": list(self.erased_customer_ids),
            "macros": [
                {"name": m.name, "parameters": list(m.parameters), "definition": m.definition}
                for m in self.macros
            ],
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ErasureAnonymizer:
        """The anonymizer ``to_json`` described."""
        return cls(
            tuple(str(value) for value in data["erased_customer_ids"]),
            tuple(
                MacroDefinition(str(m["name"]), tuple(m["parameters"]), str(m["definition"]))
                for m in data["macros"]
            ),
        )

    def install(self, scratch: duckdb.DuckDBPyConnection) -> None:
        """Create the macros and the erased ids in a scratch database."""
        for macro in self.macros:
            scratch.execute(macro.create_sql())
        scratch.execute("create or replace temp table erased_customer_ids (customer_id varchar)")
        if self.erased_customer_ids:
            scratch.executemany(
                "insert into erased_customer_ids values (?)",
                [[customer_id] for customer_id in self.erased_customer_ids],
            )

    def anonymize(
        self,
        scratch: duckdb.DuckDBPyConnection,
        table_name: str,
        lines: pa.ChunkedArray,
        is_valid_json: pa.ChunkedArray,
    ) -> pa.ChunkedArray:
        """``lines`` with the JSON objects of erased customers replaced by their anonymized
        records (``install`` first). Only those rows leave DuckDB; the rest stay in Arrow."""
        if table_name not in ANONYMIZED_TABLES or not self.erased_customer_ids:
            return lines
        key_macro, record_macro = ANONYMIZED_TABLES[table_name]
        count = len(lines)
        candidates = pa.table(
            {
                "row_index": pa.array(np.arange(count, dtype=np.int64)),
                "line": lines,
                "is_valid_json": is_valid_json,
            }
        )
        scratch.register("anonymize_candidates", candidates)
        try:
            replaced = scratch.execute(
                f"""
                select row_index, {record_macro}(line) as anonymized
                from anonymize_candidates
                where is_valid_json
                  and {key_macro}(line) in (select customer_id from erased_customer_ids)
                order by row_index
                """
            ).to_arrow_table()
        finally:
            scratch.unregister("anonymize_candidates")
        if replaced.num_rows == 0:
            return lines
        mask = np.zeros(count, dtype=np.bool_)
        mask[replaced.column("row_index").to_numpy()] = True
        anonymized = replaced.column("anonymized").cast(lines.type).combine_chunks()
        return pa.chunked_array(
            [pc.replace_with_mask(lines.combine_chunks(), pa.array(mask), anonymized)]
        )


def read_anonymizer(query: Query) -> ErasureAnonymizer | None:
    """The anonymizer of the warehouse ``query`` reads from, or None when there is nothing to
    anonymize: no build has made the macros and the erased ids yet, or no one is erased."""
    names = ", ".join(f"'{name}'" for name in MACRO_NAMES)
    rows = query(
        f"""
        select schema_name, function_name, parameters, macro_definition
        from duckdb_functions()
        where function_type = 'macro'
          and database_name = current_database()
          and function_name in ({names})
        order by function_name
        """
    )
    schemas = {str(row[0]) for row in rows}
    if len(rows) != len(MACRO_NAMES) or len(schemas) != 1:
        return None
    schema = schemas.pop()
    has_ids = query(
        f"""
        select count(*) from information_schema.tables
        where table_catalog = current_database()
          and table_schema = '{schema}' and table_name = '{ERASED_CUSTOMERS_TABLE}'
        """
    )
    if not has_ids or not has_ids[0][0]:
        return None
    ids = query(
        f'select distinct customer_id from "{schema}"."{ERASED_CUSTOMERS_TABLE}" '
        "where customer_id is not null order by 1"
    )
    if not ids:
        return None
    macros = tuple(
        MacroDefinition(
            str(name), tuple(str(p) for p in cast(Sequence[object], parameters)), str(definition)
        )
        for _, name, parameters, definition in rows
    )
    return ErasureAnonymizer(tuple(str(row[0]) for row in ids), macros)
