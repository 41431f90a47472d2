"""Build a DuckDB file from an EXPORT DATABASE directory, in a process that reads nothing else.

Run by ``warehouse_file.rewrite_warehouse_file`` as ``python -m medallion.warehouse_import``
with a JSON request on standard input: ``export`` (the directory), ``fresh`` (the new file,
named as the warehouse so that it opens as the same catalog), ``catalog`` (that catalog's
name, which the exported views use) and ``config`` (DuckDB settings). DuckDB writes the
unused tail of a segment's buffer to the file as it finds it in memory (duckdb/duckdb#23382);
a new interpreter that reads only the export cannot hold, and so cannot write, a byte the
export does not contain.

This module must import nothing that reads data (``warehouse_file`` only for its SQL quoting).
"""

from __future__ import annotations

import json
import sys

import duckdb

from medallion.warehouse_file import sql_string

# Without insertion order, each thread appends whole row groups. With it, DuckDB's ordered
# parallel insert split the export's Parquet row groups (37k-125k rows) into a full row group
# and a remainder (370 row groups for 250 full ones in the 30M-row fct_order_lines), and the
# next checkpoint after any write merged them: the first write after a rewrite of the 10M
# warehouse took 19-22 s and left 1.2 GB of free blocks. The rows keep their order within each
# Parquet row group, so zone maps stay as tight as before; dbt builds without it too
# (profiles.yml).
IMPORT_SETTINGS = {"preserve_insertion_order": False}


def import_export(
    export: str, fresh: str, catalog: str, config: dict[str, str | bool | int]
) -> None:
    """Create ``fresh`` and import ``export`` into it; its catalog must be ``catalog``."""
    with duckdb.connect(fresh, config={**config, **IMPORT_SETTINGS}) as con:
        named = con.execute("select current_database()").fetchone()
        if named is None or named[0] != catalog:
            raise ValueError(f"{fresh} opens as catalog {named}, the export names {catalog!r}")
        con.execute(f"import database {sql_string(export)}")


def main() -> int:
    """Read the request from standard input and carry it out; exit 1 with the reason."""
    request = json.load(sys.stdin)
    try:
        import_export(request["export"], request["fresh"], request["catalog"], request["config"])
    except (duckdb.Error, ValueError) as error:
        print(f"{type(error).__name__}: {error}".replace("\n", " "), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
