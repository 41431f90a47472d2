"""Check a mart's rows against its consumer contract; summarise failures without values."""

from __future__ import annotations

import pandas as pd
import pandera.pandas as pa
import pyarrow

from medallion.exports.contracts import MartContract

MAX_SUMMARY_LINES = 20
COMPOSITE_KEY_CHECK = "multiple_fields_uniqueness"


def validate_mart(table: pyarrow.Table, contract: MartContract) -> str | None:
    """None when ``table`` satisfies the contract, else a summary of what failed.

    The summary names columns, checks and counts of failing rows, never a value of the data
    (the rows may hold personal data; the summary goes to logs and run records).
    """
    frame = table.to_pandas(types_mapper=pd.ArrowDtype)
    try:
        contract.schema.validate(frame, lazy=True)
    except pa.errors.SchemaErrors as errors:
        return summarise_failures(errors.failure_cases)
    except pa.errors.SchemaError as error:
        return summarise_failures(error.failure_cases)
    return None


def summarise_failures(failure_cases: pd.DataFrame | None) -> str:
    """One line per failed check, in a stable order.

    Schema problems (missing or extra column, wrong dtype) name what they are about: a column
    name or a dtype, never data. Data problems (a value out of range, a duplicate key) give
    the column, the check and the number of failing rows only; a duplicate composite key is
    one line for the key, not one per column.
    """
    if failure_cases is None or len(failure_cases) == 0:
        return "contract violated"
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
            failing_rows.setdefault(label, set()).add(index)
    lines = sorted(schema_problems)
    for label, rows in sorted(failing_rows.items()):
        if label == COMPOSITE_KEY_CHECK:
            columns = ", ".join(sorted(key_columns))
            lines.append(f"key ({columns}): duplicated on {len(rows)} row(s)")
        else:
            lines.append(f"{label} failed on {len(rows)} row(s)")
    if len(lines) > MAX_SUMMARY_LINES:
        hidden = len(lines) - MAX_SUMMARY_LINES
        lines = [*lines[:MAX_SUMMARY_LINES], f"... and {hidden} more"]
    return "; ".join(lines)
