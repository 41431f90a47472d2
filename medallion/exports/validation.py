"""Check a mart's rows against its consumer contract; summarise failures without values.

A small mart is validated whole (``validate_mart``). A partitioned mart is validated one
partition at a time (``validate_table`` with ``partition_schema``: the contract without its
uniqueness checks, which ``keys`` runs over the whole mart in DuckDB); the ``Failures`` of
the partitions and of the key checks add up to one summary.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd
import pandera.pandas as pa
import pyarrow

from medallion.exports.contracts import MartContract

MAX_SUMMARY_LINES = 20
COMPOSITE_KEY_CHECK = "multiple_fields_uniqueness"


@dataclass
class Failures:
    """What failed so far: schema problems, and failing rows per check (counts, no values)."""

    schema_problems: set[str] = field(default_factory=set)
    """A column or dtype problem, e.g. ``column_in_dataframe: popularity``."""
    failing_rows: dict[str, int] = field(default_factory=dict)
    """Rows failing each check, by label (e.g. ``column revenue: ge(0) failed``)."""

    @property
    def ok(self) -> bool:
        """True when nothing failed."""
        return not self.schema_problems and not self.failing_rows

    def add_rows(self, label: str, rows: int) -> None:
        """Count ``rows`` more rows failing ``label`` (rows of another partition)."""
        if rows:
            self.failing_rows[label] = self.failing_rows.get(label, 0) + rows

    def add(self, other: Failures) -> None:
        """Add the failures of another part of the same mart."""
        self.schema_problems |= other.schema_problems
        for label, rows in other.failing_rows.items():
            self.add_rows(label, rows)

    def summary(self) -> str | None:
        """None when nothing failed, else one line per failed check, in a stable order."""
        if self.ok:
            return None
        lines = sorted(self.schema_problems)
        lines += [f"{label} on {rows} row(s)" for label, rows in sorted(self.failing_rows.items())]
        if len(lines) > MAX_SUMMARY_LINES:
            hidden = len(lines) - MAX_SUMMARY_LINES
            lines = [*lines[:MAX_SUMMARY_LINES], f"... and {hidden} more"]
        return "; ".join(lines)


def validate_mart(table: pyarrow.Table, contract: MartContract) -> str | None:
    """None when ``table`` (a whole mart) satisfies the contract, else a summary of what failed.

    The summary names columns, checks and counts of failing rows, never a value of the data
    (the rows may hold personal data; the summary goes to logs and run records).
    """
    return validate_table(table, contract.schema).summary()


def validate_table(table: pyarrow.Table, schema: pa.DataFrameSchema) -> Failures:
    """The failures of ``table``'s rows against ``schema`` (none: ``Failures().ok``)."""
    frame = table.to_pandas(types_mapper=pd.ArrowDtype)
    try:
        schema.validate(frame, lazy=True)
    except pa.errors.SchemaErrors as errors:
        return tally_failures(errors.failure_cases)
    except pa.errors.SchemaError as error:
        return tally_failures(error.failure_cases)
    return Failures()


def partition_schema(contract: MartContract) -> pa.DataFrameSchema:
    """The contract's schema without its uniqueness checks (unique columns, composite key).

    For validating one partition at a time: uniqueness is a property of the whole mart and
    is checked there (``medallion.exports.keys``). Every other check is per row or per column
    type, so checking each partition checks every row.
    """
    schema = contract.schema.update_columns(
        {name: {"unique": False} for name in contract.schema.columns}
    )
    schema.unique = None
    return schema


def summarise_failures(failure_cases: pd.DataFrame | None) -> str:
    """One line per failed check, in a stable order (see ``tally_failures``)."""
    return tally_failures(failure_cases).summary() or "contract violated"


def tally_failures(failure_cases: pd.DataFrame | None) -> Failures:
    """pandera's failure cases as counts, without their values.

    Schema problems (missing or extra column, wrong dtype) name what they are about: a column
    name or a dtype, never data. Data problems (a value out of range, a duplicate key) give
    the column, the check and the number of failing rows only; a duplicate composite key is
    one line for the key, not one per column.
    """
    if failure_cases is None or len(failure_cases) == 0:
        return Failures(schema_problems={"contract violated"})
    schema_problems: set[str] = set()
    failing_rows: dict[str, set[object]] = {}
    key_columns: set[str] = set()
    for case in failure_cases.to_dict("records"):
        column = None if case.get("column") is None or pd.isna(case["column"]) else case["column"]
        check = str(case.get("check"))
        index = case.get("index")
        if index is None or pd.isna(index):
            about = "" if column is None else f"column {column}: "
            schema_problems.add(f"{about}{check}: {case.get('failure_case')}")
        elif check == COMPOSITE_KEY_CHECK:
            key_columns.add(str(column))
            failing_rows.setdefault(check, set()).add(index)
        else:
            label = check if column is None else f"column {column}: {check}"
            failing_rows.setdefault(f"{label} failed", set()).add(index)
    failures = Failures(schema_problems=schema_problems)
    for label, rows in failing_rows.items():
        if label == COMPOSITE_KEY_CHECK:
            label = f"key ({', '.join(sorted(key_columns))}): duplicated"
        failures.add_rows(label, len(rows))
    return failures
