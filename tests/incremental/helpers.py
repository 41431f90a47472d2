"""Helpers shared by the incremental tests."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import query_warehouse


def table_content(warehouse: Path, schema: str, table: str) -> list[tuple[object, ...]]:
    """Every row of ``schema.table`` but its batch stamp (when the build that wrote it ran),
    in a fixed order: what an incremental refresh and a full refresh must agree on."""
    columns = [
        str(row[0])
        for row in query_warehouse(
            warehouse,
            "select column_name from information_schema.columns "
            f"where table_schema = '{schema}' and table_name = '{table}' "
            "and column_name <> '_batch_at' order by ordinal_position",
        )
    ]
    select = ", ".join(f'"{column}"' for column in columns)
    return sorted(query_warehouse(warehouse, f"select {select} from {schema}.{table}"), key=repr)
