"""Anonymize new landing lines of subjects erased earlier, before they reach the warehouse.

An erasure is made physical by rewriting the whole warehouse file (``medallion/erasure.py``),
which costs minutes on a large warehouse. Without this module an ordinary hour that brings a
line of a customer erased last week would need that rewrite too. So the ingest's extract
process (``extract_process.py``) writes such lines already anonymized, with the very records
dbt's work list (``silver.slv_erasure_targets``) would write: both come from the DuckDB macros
the work list's model creates (``macros/erasure_records.sql``), copied here from the
warehouse. A line anonymized here is not listed again, so no rewrite runs for it.

Who is erased comes from the last build, by the rules of ``int_erased_customers``, and only
where this load's build is sure to agree (a subject stays erased):
  * a customer id it erased;
  * an id whose salted hash is a subject's id hash, an email whose hash is a subject's email
    hash (``slv_erasure_subjects``): a customer whose first line arrives after the request;
  * the ids of customers erased that way earlier in this extract, for their transactions.
Anything this misses (a subject whose request arrives in the same load, lines of Kafka
dumps and topics) is still listed by dbt and rewritten.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, cast

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

# The DuckDB variable the salted hash reads (macros/erasure.sql, default__salted_hash).
SALT_VARIABLE = "medallion_erasure_salt"
# bronze table -> macro giving a record's customer id / its anonymized record
KEY_MACROS = {
    "customers": "erasure_customer_key",
    "transactions": "erasure_transaction_customer_key",
}
RECORD_MACROS = {
    "customers": "erasure_anonymized_customer",
    "transactions": "erasure_anonymized_transaction",
}
EMAIL_MACRO = "erasure_customer_email_key"
HASH_MACRO = "erasure_salted_hash"
MACRO_NAMES = sorted({*KEY_MACROS.values(), *RECORD_MACROS.values(), EMAIL_MACRO, HASH_MACRO})
ERASED_CUSTOMERS_TABLE = "int_erased_customers"
SUBJECTS_TABLE = "slv_erasure_subjects"

Query = Callable[[str], Sequence[Sequence[object]]]


def _create_table(scratch: duckdb.DuckDBPyConnection, name: str, values: Sequence[str]) -> None:
    """A one-column temporary table ``name(value)`` holding ``values``."""
    given = pa.table({"value": pa.array(values, type=pa.string())})
    scratch.register(f"{name}_given", given)
    try:
        scratch.execute(f"create or replace temp table {name} as select value from {name}_given")
    finally:
        scratch.unregister(f"{name}_given")


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
    """Who the last build erased, and the macros that anonymize records."""

    erased_customer_ids: tuple[str, ...]
    subject_id_hashes: tuple[str, ...]
    subject_email_hashes: tuple[str, ...]
    macros: tuple[MacroDefinition, ...]
    # The warehouse's erasure salt: the subjects' hashes are made with it, and an anonymized
    # customer record keeps its email's salted hash (macros/erasure_records.sql).
    salt: str

    def to_json(self) -> dict[str, object]:
        """A JSON-ready form, for the extract process's request."""
        return dataclasses.asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ErasureAnonymizer:
        """The anonymizer ``to_json`` described."""
        return cls(
            tuple(data["erased_customer_ids"]),
            tuple(data["subject_id_hashes"]),
            tuple(data["subject_email_hashes"]),
            tuple(
                MacroDefinition(str(m["name"]), tuple(m["parameters"]), str(m["definition"]))
                for m in data["macros"]
            ),
            data["salt"],
        )

    def install(self, scratch: duckdb.DuckDBPyConnection) -> None:
        """Create the macros, who is erased and the salt in a scratch database."""
        for macro in self.macros:
            scratch.execute(macro.create_sql())
        _create_table(scratch, "erased_customer_ids", self.erased_customer_ids)
        _create_table(scratch, "subject_id_hashes", self.subject_id_hashes)
        _create_table(scratch, "subject_email_hashes", self.subject_email_hashes)
        scratch.execute(f"set variable {SALT_VARIABLE} = ?", [self.salt])

    def _erased_condition(self, table_name: str) -> str:
        """SQL: the line (``line``, its ``customer_key``) is of an erased customer; never for a
        line without a customer key. The first two conditions are null for a null key: no test
        of the key of its own, since DuckDB then evaluated the key's expression once more per
        use."""
        conditions = [
            "customer_key in (select value from erased_customer_ids)",
            f"{HASH_MACRO}(customer_key) in (select value from subject_id_hashes)",
        ]
        if table_name == "customers":
            conditions.append(
                f"(customer_key is not null and {HASH_MACRO}({EMAIL_MACRO}(line)) "
                "in (select value from subject_email_hashes))"
            )
        return " or ".join(conditions)

    def anonymize(
        self,
        scratch: duckdb.DuckDBPyConnection,
        table_name: str,
        lines: pa.ChunkedArray,
        is_valid_json: pa.ChunkedArray,
    ) -> tuple[pa.ChunkedArray, np.ndarray]:
        """``lines`` with the JSON objects of erased customers replaced by their anonymized
        records (``install`` first), and the positions replaced. Only those rows leave DuckDB;
        the rest stay in Arrow. Customers found erased by a hash are remembered, for their
        transactions."""
        none = np.zeros(0, dtype=np.int64)
        if table_name not in RECORD_MACROS:
            return lines, none
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
                select row_index, customer_key, {RECORD_MACROS[table_name]}(line) as anonymized
                from (
                    select row_index, line, {KEY_MACROS[table_name]}(line) as customer_key
                    from anonymize_candidates
                    where is_valid_json
                ) as keyed
                where {self._erased_condition(table_name)}
                order by row_index
                """
            ).to_arrow_table()
            if table_name == "customers" and replaced.num_rows:
                scratch.register("anonymized_customers", replaced)
                scratch.execute(
                    "insert into erased_customer_ids select distinct customer_key "
                    "from anonymized_customers "
                    "where customer_key not in (select value from erased_customer_ids)"
                )
                scratch.unregister("anonymized_customers")
        finally:
            scratch.unregister("anonymize_candidates")
        if replaced.num_rows == 0:
            return lines, none
        positions = replaced.column("row_index").to_numpy()
        mask = np.zeros(count, dtype=np.bool_)
        mask[positions] = True
        anonymized = replaced.column("anonymized").cast(lines.type).combine_chunks()
        return (
            pa.chunked_array(
                [pc.replace_with_mask(lines.combine_chunks(), pa.array(mask), anonymized)]
            ),
            positions,
        )


def _has_table(query: Query, schema: str, table: str) -> bool:
    found = query(
        f"""
        select count(*) from information_schema.tables
        where table_catalog = current_database()
          and table_schema = '{schema}' and table_name = '{table}'
        """
    )
    return bool(found and found[0][0])


def read_anonymizer(query: Query, salt: str | None = None) -> ErasureAnonymizer | None:
    """The anonymizer of the warehouse ``query`` reads from (``salt``: its erasure salt), or
    None when there is nothing to anonymize: no build has made the macros yet, or no one is
    erased; also without the salt, which the anonymized records need."""
    if salt is None:
        return None
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
    ids: Sequence[Sequence[object]] = []
    if _has_table(query, schema, ERASED_CUSTOMERS_TABLE):
        ids = query(
            f'select distinct customer_id from "{schema}"."{ERASED_CUSTOMERS_TABLE}" '
            "where customer_id is not null order by 1"
        )
    subjects: Sequence[Sequence[object]] = []
    if _has_table(query, schema, SUBJECTS_TABLE):
        subjects = query(
            f'select subject_id_hash, subject_email_hash from "{schema}"."{SUBJECTS_TABLE}"'
        )
    if not ids and not subjects:
        return None
    macros = tuple(
        MacroDefinition(
            str(name), tuple(str(p) for p in cast(Sequence[object], parameters)), str(definition)
        )
        for _, name, parameters, definition in rows
    )
    return ErasureAnonymizer(
        tuple(str(row[0]) for row in ids),
        tuple(sorted({str(row[0]) for row in subjects if row[0] is not None})),
        tuple(sorted({str(row[1]) for row in subjects if row[1] is not None})),
        macros,
        salt,
    )
