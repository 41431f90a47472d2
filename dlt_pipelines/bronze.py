"""The dlt source that loads landing files into bronze: one row per input line.

Each bronze row keeps the line as received (``record``; a line of a customer erased
earlier is anonymized first, see ``anonymize.py``), whether it is a usable JSON object
(``_line_error`` says why not), and its lineage. It runs in the ingest's extract process
(``extract_process.py``), never in the run's own. Lines reach dlt as Arrow
tables, so dlt writes them to Parquet and DuckDB loads them without a Python object
per row. The per-file registry rows (``landing_files``) travel in the same load
package as the lines, so a file and its lines are committed by the same load.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

import dlt
import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from dlt.common.schema.typing import TTableSchemaColumns
from dlt.extract.resource import DltResource

from dlt_pipelines.anonymize import ErasureAnonymizer
from dlt_pipelines.landing import ENTITY_TABLES, LandingFile
from dlt_pipelines.lines import FileReadState, LineBatch, read_line_batches

REGISTRY_TABLE = "landing_files"

BRONZE_COLUMNS: TTableSchemaColumns = {
    "record": {
        "data_type": "text",
        "nullable": False,
        "description": "The input line as received, without its newline.",
    },
    "_line_error": {
        "data_type": "text",
        "nullable": True,
        "description": "Why the line is not a JSON object; null when it is one.",
    },
    "_is_valid_json": {
        "data_type": "bool",
        "nullable": False,
        "description": "True when the line is a JSON object.",
    },
    "_source_file": {
        "data_type": "text",
        "nullable": False,
        "description": "Landing-relative path of the file.",
    },
    "_partition_date": {"data_type": "date", "nullable": False},
    "_partition_hour": {"data_type": "bigint", "nullable": False},
    "_line_number": {
        "data_type": "bigint",
        "nullable": False,
        "description": "1-based line number in the file.",
    },
    "_file_sha256": {"data_type": "text", "nullable": False},
    "_ingested_at": {"data_type": "timestamp", "nullable": False, "timezone": True},
    "_dlt_load_id": {"data_type": "text", "nullable": False},
}

REGISTRY_COLUMNS: TTableSchemaColumns = {
    "relative_path": {"data_type": "text", "nullable": False},
    "entity": {"data_type": "text", "nullable": False},
    "table_name": {"data_type": "text", "nullable": False},
    "partition_date": {"data_type": "date", "nullable": False},
    "partition_hour": {"data_type": "bigint", "nullable": False},
    "file_sha256": {"data_type": "text", "nullable": False},
    "size_bytes": {"data_type": "bigint", "nullable": False},
    "compressed": {"data_type": "bool", "nullable": False},
    "lines": {"data_type": "bigint", "nullable": False},
    "invalid_lines": {"data_type": "bigint", "nullable": False},
    "change": {
        "data_type": "text",
        "nullable": False,
        "description": "new: first version of this path; changed: new content.",
    },
    "problem": {"data_type": "text", "nullable": True},
    "_ingested_at": {"data_type": "timestamp", "nullable": False, "timezone": True},
    "_dlt_load_id": {"data_type": "text", "nullable": False},
}

BRONZE_ARROW_SCHEMA = pa.schema(
    [
        pa.field("record", pa.large_string(), nullable=False),
        pa.field("_line_error", pa.string()),
        pa.field("_is_valid_json", pa.bool_(), nullable=False),
        pa.field("_source_file", pa.string(), nullable=False),
        pa.field("_partition_date", pa.date32(), nullable=False),
        pa.field("_partition_hour", pa.int64(), nullable=False),
        pa.field("_line_number", pa.int64(), nullable=False),
        pa.field("_file_sha256", pa.string(), nullable=False),
        pa.field("_ingested_at", pa.timestamp("us", tz="UTC"), nullable=False),
        pa.field("_dlt_load_id", pa.string(), nullable=False),
    ]
)

REGISTRY_ARROW_SCHEMA = pa.schema(
    [
        pa.field("relative_path", pa.string(), nullable=False),
        pa.field("entity", pa.string(), nullable=False),
        pa.field("table_name", pa.string(), nullable=False),
        pa.field("partition_date", pa.date32(), nullable=False),
        pa.field("partition_hour", pa.int64(), nullable=False),
        pa.field("file_sha256", pa.string(), nullable=False),
        pa.field("size_bytes", pa.int64(), nullable=False),
        pa.field("compressed", pa.bool_(), nullable=False),
        pa.field("lines", pa.int64(), nullable=False),
        pa.field("invalid_lines", pa.int64(), nullable=False),
        pa.field("change", pa.string(), nullable=False),
        pa.field("problem", pa.string()),
        pa.field("_ingested_at", pa.timestamp("us", tz="UTC"), nullable=False),
        pa.field("_dlt_load_id", pa.string(), nullable=False),
    ]
)

# Why a line is not a usable record (null when it is a JSON object). Only this small
# column comes back from DuckDB; the lines themselves stay in Arrow. A projection keeps
# the input order (preserve_insertion_order is on), so the result lines up row by row.
_LINE_ERROR_SQL = """
select
    case
        when invalid_utf8 then 'invalid UTF-8'
        when json_valid(line) and regexp_matches(line, '^\\s*[{]') then null
        when json_valid(line) then 'not a JSON object (' || lower(json_type(line)) || ')'
        when regexp_matches(line, '^\\s*$') then 'empty line'
        else 'invalid JSON'
    end as line_error
from batch_lines
"""


@dataclass
class FileToLoad:
    """A landing file chosen for loading, and what loading it found out."""

    file: LandingFile
    sha256: str
    change: str  # "new" or "changed"
    read_state: FileReadState
    invalid_lines: int = 0
    anonymized_lines: int = 0  # lines of customers erased earlier (anonymize.py)


ProgressCallback = Callable[[FileToLoad, int], None]


def _registry_row(item: FileToLoad, ingested_at: dt.datetime, load_id: str) -> dict[str, object]:
    state = item.read_state
    return {
        "relative_path": item.file.relative_path,
        "entity": item.file.entity,
        "table_name": item.file.table_name,
        "partition_date": item.file.partition_date,
        "partition_hour": item.file.partition_hour,
        "file_sha256": item.sha256,
        "size_bytes": state.size_bytes,
        "compressed": state.compressed,
        "lines": state.lines,
        "invalid_lines": item.invalid_lines,
        "change": item.change,
        "problem": state.problem,
        "_ingested_at": ingested_at,
        "_dlt_load_id": load_id,
    }


class FileChangedWhileReading(Exception):
    """The file's bytes changed between choosing it and reading it."""


@dlt.source(name="landing", max_table_nesting=0)
def landing_source(
    files: Sequence[FileToLoad],
    batch_bytes: int = dlt.config.value,
    on_progress: ProgressCallback | None = None,
    anonymizer: ErasureAnonymizer | None = None,
) -> DltResource:
    """Every line of the given landing files, into one bronze table per entity.

    Args:
        files: the files to load, already checked against what bronze holds.
        batch_bytes: decompressed bytes per Arrow batch (bounds memory).
        on_progress: called with each file and the lines read so far.
        anonymizer: anonymizes the lines of subjects erased earlier (``anonymize.py``).
    """
    return landing_lines(files, batch_bytes, on_progress, anonymizer)


class _PendingLines:
    """Raw lines of one bronze table waiting to be classified in one DuckDB query.

    Holding lines back until about ``flush_bytes`` have gathered keeps both the
    DuckDB query count and dlt's per-item cost low for landing zones made of many
    small files, while memory stays bounded.
    """

    def __init__(self, table_name: str) -> None:
        self.table_name = table_name
        self.items: list[FileToLoad] = []
        self.batches: list[pa.Table] = []
        self.nbytes = 0

    def add(self, item: FileToLoad, batch: LineBatch) -> None:
        if not self.items or self.items[-1] is not item:
            self.items.append(item)
        file_index = len(self.items) - 1
        count = len(batch.lines)
        invalid_utf8 = (
            batch.invalid_utf8
            if batch.invalid_utf8 is not None
            else pa.array(np.zeros(count, dtype=np.bool_))
        )
        self.batches.append(
            pa.table(
                {
                    "line": batch.lines,
                    "invalid_utf8": invalid_utf8,
                    "line_number": batch.line_numbers,
                    "file_index": pa.array(np.full(count, file_index, dtype=np.int32)),
                }
            )
        )
        self.nbytes += batch.lines.nbytes

    def classify(
        self,
        scratch: duckdb.DuckDBPyConnection,
        ingested_at: dt.datetime,
        load_id: str,
        anonymizer: ErasureAnonymizer | None,
    ) -> pa.Table:
        """Classify the pending lines, anonymize those of erased subjects, attach their
        lineage, count invalid lines per file."""
        batch_lines = pa.concat_tables(self.batches)
        scratch.register("batch_lines", batch_lines)
        try:
            line_error = scratch.execute(_LINE_ERROR_SQL).to_arrow_table().column(0)
        finally:
            scratch.unregister("batch_lines")
        if len(line_error) != len(batch_lines):
            raise RuntimeError("line classification lost rows")  # cannot happen; guards order
        file_index = batch_lines.column("file_index")
        count = len(batch_lines)

        def per_file(values: list[object], type_: pa.DataType) -> pa.ChunkedArray:
            return pc.take(pa.array(values, type=type_), file_index)

        def constant(value: object, type_: pa.DataType) -> pa.Array:
            return pc.take(pa.array([value], type=type_), pa.array(np.zeros(count, np.int32)))

        is_valid = pc.is_null(line_error)
        records = batch_lines.column("line")
        if anonymizer is not None:
            records, replaced = anonymizer.anonymize(scratch, self.table_name, records, is_valid)
            for item, lines in self._lines_per_file(pc.take(file_index, pa.array(replaced))):
                item.anonymized_lines += lines
        table = pa.table(
            {
                "record": records,
                "_line_error": line_error,
                "_is_valid_json": is_valid,
                "_source_file": per_file([i.file.relative_path for i in self.items], pa.string()),
                "_partition_date": per_file(
                    [i.file.partition_date for i in self.items], pa.date32()
                ),
                "_partition_hour": per_file(
                    [i.file.partition_hour for i in self.items], pa.int64()
                ),
                "_line_number": batch_lines.column("line_number"),
                "_file_sha256": per_file([i.sha256 for i in self.items], pa.string()),
                "_ingested_at": constant(ingested_at, pa.timestamp("us", tz="UTC")),
                "_dlt_load_id": constant(load_id, pa.string()),
            },
            schema=BRONZE_ARROW_SCHEMA,
        )
        for item, lines in self._lines_per_file(pc.filter(file_index, pc.invert(is_valid))):
            item.invalid_lines += lines
        self.items, self.batches, self.nbytes = [], [], 0
        return table

    def _lines_per_file(
        self, file_indexes: pa.Array | pa.ChunkedArray
    ) -> list[tuple[FileToLoad, int]]:
        """Each pending file with how many of ``file_indexes`` (one per line) name it."""
        counts = pc.value_counts(file_indexes).to_pylist()
        return [(self.items[entry["values"]], entry["counts"]) for entry in counts]


def _with_table(table: pa.Table, table_name: str, columns: TTableSchemaColumns) -> object:
    return dlt.mark.with_hints(
        table,
        dlt.mark.make_hints(table_name=table_name, columns=columns),
        create_table_variant=True,
    )


# A customer's lines decide whether other lines are anonymized: one found erased by its email
# as its lines are classified has its transactions anonymized too (anonymize.py). So customer
# files are read first, and their lines classified before any other table's.
DECIDING_TABLE = "customers"


def _customers_first(files: Sequence[FileToLoad]) -> list[FileToLoad]:
    """``files`` with the customer files first; each table's files keep their order."""
    return sorted(files, key=lambda item: item.file.table_name != DECIDING_TABLE)


@dlt.resource(name="landing_lines", write_disposition="append")
def landing_lines(
    files: Sequence[FileToLoad],
    batch_bytes: int = 32 << 20,
    on_progress: ProgressCallback | None = None,
    anonymizer: ErasureAnonymizer | None = None,
) -> Iterator[object]:
    """Yield Arrow tables of classified lines per bronze table, and the files' registry rows."""
    load_id = dlt.current.load_package_state()["load_id"]
    ingested_at = dt.datetime.now(dt.UTC)
    pending: dict[str, _PendingLines] = {}
    scratch = duckdb.connect(config={"threads": 2})
    if anonymizer is not None:
        anonymizer.install(scratch)

    def classified(lines: _PendingLines) -> object:
        """The pending lines of one table, classified, as an item for dlt."""
        table = lines.classify(scratch, ingested_at, load_id, anonymizer)
        return _with_table(table, lines.table_name, BRONZE_COLUMNS)

    try:
        for item in _customers_first(files):
            deciding = pending.get(DECIDING_TABLE)
            if item.file.table_name != DECIDING_TABLE and deciding and deciding.batches:
                # The customers' last lines are classified before any line they decide on.
                yield classified(deciding)
            lines_read = 0
            lines = pending.setdefault(item.file.table_name, _PendingLines(item.file.table_name))
            for batch in read_line_batches(item.file.path, item.read_state, batch_bytes):
                lines.add(item, batch)
                lines_read += len(batch.lines)
                if on_progress is not None:
                    on_progress(item, lines_read)
                if lines.nbytes >= batch_bytes:
                    yield classified(lines)
            if item.read_state.sha256 != item.sha256:
                raise FileChangedWhileReading(
                    f"{item.file.relative_path}: the file changed while it was being loaded"
                )
            if on_progress is not None:
                on_progress(item, lines_read)
        for table_name in sorted(pending):
            if pending[table_name].batches:
                yield classified(pending[table_name])
        for table_name in sorted(set(ENTITY_TABLES.values()) - set(pending)):
            # No lines for this table in this load: still create it (a no-op once it exists).
            # An empty Arrow table, not dlt's materialize marker: that one goes through the
            # JSON normalizer and adds a NOT NULL _dlt_id that later Arrow loads do not fill.
            yield _with_table(BRONZE_ARROW_SCHEMA.empty_table(), table_name, BRONZE_COLUMNS)
        if not files:
            yield _with_table(REGISTRY_ARROW_SCHEMA.empty_table(), REGISTRY_TABLE, REGISTRY_COLUMNS)
            return
        registry = pa.Table.from_pylist(
            [_registry_row(item, ingested_at, load_id) for item in files],
            schema=REGISTRY_ARROW_SCHEMA,
        )
        yield _with_table(registry, REGISTRY_TABLE, REGISTRY_COLUMNS)
    finally:
        scratch.close()
