"""The dlt source that loads Kafka messages into bronze: one table per topic.

Messages reach dlt as Arrow tables. The offset runs (``kafka_offsets``), the dump file
registry (``kafka_dump_files``) and the dump lines that are not messages
(``kafka_dump_errors``) travel in the same load package as the messages, so they are
committed by the same load.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

import dlt
import duckdb
import pyarrow as pa
import pyarrow.compute as pc
from dlt.common.schema.typing import TTableSchemaColumns
from dlt.extract.resource import DltResource

from dlt_pipelines.kafka.ledger import FileTally, Ledger
from dlt_pipelines.kafka.messages import BRONZE_COLUMNS, to_bronze
from dlt_pipelines.kafka.names import (
    DUMP_ERRORS_TABLE,
    DUMP_FILES_TABLE,
    OFFSETS_TABLE,
    table_name_for,
)

OFFSETS_COLUMNS: TTableSchemaColumns = {
    "topic": {"data_type": "text", "nullable": False},
    "partition": {"data_type": "bigint", "nullable": False},
    "table_name": {"data_type": "text", "nullable": False},
    "first_offset": {"data_type": "bigint", "nullable": False},
    "last_offset": {
        "data_type": "bigint",
        "nullable": False,
        "description": "Every offset from first_offset to last_offset is in table_name.",
    },
    "messages": {"data_type": "bigint", "nullable": False},
    "_source": {"data_type": "text", "nullable": False},
    "_source_file": {"data_type": "text", "nullable": True},
    "_ingested_at": {"data_type": "timestamp", "nullable": False, "timezone": True},
    "_dlt_load_id": {"data_type": "text", "nullable": False},
}

DUMP_FILES_COLUMNS: TTableSchemaColumns = {
    "relative_path": {"data_type": "text", "nullable": False},
    "layout": {"data_type": "text", "nullable": False},
    "file_sha256": {"data_type": "text", "nullable": False},
    "size_bytes": {"data_type": "bigint", "nullable": False},
    "compressed": {"data_type": "bool", "nullable": False},
    "lines": {"data_type": "bigint", "nullable": False},
    "messages": {"data_type": "bigint", "nullable": False},
    "loaded": {"data_type": "bigint", "nullable": False},
    "overlaps": {"data_type": "bigint", "nullable": False},
    "rejected_lines": {"data_type": "bigint", "nullable": False},
    "change": {"data_type": "text", "nullable": False},
    "problem": {"data_type": "text", "nullable": True},
    "_ingested_at": {"data_type": "timestamp", "nullable": False, "timezone": True},
    "_dlt_load_id": {"data_type": "text", "nullable": False},
}

DUMP_FILES_ARROW_SCHEMA = pa.schema(
    [
        pa.field("relative_path", pa.string(), nullable=False),
        pa.field("layout", pa.string(), nullable=False),
        pa.field("file_sha256", pa.string(), nullable=False),
        pa.field("size_bytes", pa.int64(), nullable=False),
        pa.field("compressed", pa.bool_(), nullable=False),
        pa.field("lines", pa.int64(), nullable=False),
        pa.field("messages", pa.int64(), nullable=False),
        pa.field("loaded", pa.int64(), nullable=False),
        pa.field("overlaps", pa.int64(), nullable=False),
        pa.field("rejected_lines", pa.int64(), nullable=False),
        pa.field("change", pa.string(), nullable=False),
        pa.field("problem", pa.string()),
        pa.field("_ingested_at", pa.timestamp("us", tz="UTC"), nullable=False),
        pa.field("_dlt_load_id", pa.string(), nullable=False),
    ]
)

DUMP_ERRORS_COLUMNS: TTableSchemaColumns = {
    "line": {
        "data_type": "text",
        "nullable": False,
        "description": "A dump line that is not a usable message, as read.",
    },
    "_line_error": {"data_type": "text", "nullable": False},
    "_source_file": {"data_type": "text", "nullable": False},
    "_line_number": {"data_type": "bigint", "nullable": False},
    "_file_sha256": {"data_type": "text", "nullable": False},
    "_ingested_at": {"data_type": "timestamp", "nullable": False, "timezone": True},
    "_dlt_load_id": {"data_type": "text", "nullable": False},
}

DUMP_ERRORS_ARROW_SCHEMA = pa.schema(
    [
        pa.field("line", pa.large_string(), nullable=False),
        pa.field("_line_error", pa.string(), nullable=False),
        pa.field("_source_file", pa.string(), nullable=False),
        pa.field("_line_number", pa.int64(), nullable=False),
        pa.field("_file_sha256", pa.string(), nullable=False),
        pa.field("_ingested_at", pa.timestamp("us", tz="UTC"), nullable=False),
        pa.field("_dlt_load_id", pa.string(), nullable=False),
    ]
)


@dataclass(frozen=True)
class MessageChunk:
    """Raw messages (``messages.RAW_SCHEMA``) from one source, and dump lines rejected."""

    messages: pa.Table
    source: str  # kcat | connect | consumer
    source_file: str | None = None
    file: FileTally | None = None
    rejected: pa.Table | None = None  # readers.REJECTED_SCHEMA


def _with_table(table: pa.Table, table_name: str, columns: TTableSchemaColumns) -> object:
    return dlt.mark.with_hints(
        table,
        dlt.mark.make_hints(table_name=table_name, columns=columns),
        create_table_variant=True,
    )


def _file_row(item: FileTally, ingested_at: dt.datetime, load_id: str) -> dict[str, object]:
    state = item.read_state
    return {
        "relative_path": item.dump.relative_path,
        "layout": item.dump.layout,
        "file_sha256": item.sha256,
        "size_bytes": state.size_bytes,
        "compressed": state.compressed,
        "lines": state.lines,
        "messages": item.messages,
        "loaded": item.loaded,
        "overlaps": item.overlaps,
        "rejected_lines": item.rejected_lines,
        "change": item.change,
        "problem": state.problem,
        "_ingested_at": ingested_at,
        "_dlt_load_id": load_id,
    }


def _error_rows(chunk: MessageChunk, ingested_at: dt.datetime, load_id: str) -> pa.Table:
    rejected = chunk.rejected
    if rejected is None or chunk.file is None:
        raise ValueError("only dump chunks have rejected lines")
    count = len(rejected)
    return pa.table(
        {
            "line": rejected.column("line"),
            "_line_error": rejected.column("_line_error"),
            "_source_file": pa.repeat(pa.scalar(chunk.file.dump.relative_path), count),
            "_line_number": rejected.column("_line_number"),
            "_file_sha256": pa.repeat(pa.scalar(chunk.file.sha256), count),
            "_ingested_at": pa.repeat(pa.scalar(ingested_at, pa.timestamp("us", tz="UTC")), count),
            "_dlt_load_id": pa.repeat(pa.scalar(load_id), count),
        },
        schema=DUMP_ERRORS_ARROW_SCHEMA,
    )


def _split_by_table(table: pa.Table) -> Iterator[tuple[str, pa.Table]]:
    topics = table.column("topic")
    for topic in sorted(pc.unique(topics).to_pylist()):
        yield table_name_for(topic), table.filter(pc.equal(topics, topic))


@dlt.source(name="kafka", section="kafka", max_table_nesting=0)
def kafka_source(
    chunks: Iterable[MessageChunk],
    ledger: Ledger,
    files: Sequence[FileTally] = (),
    batch_bytes: int = 32 << 20,
) -> DltResource:
    """Kafka messages into one bronze table per topic, each offset once.

    Args:
        chunks: raw message batches, from dump readers or the live consumer.
        ledger: decides which messages are new (against what bronze holds) and counts.
        files: the dump files the chunks come from; their registry rows are loaded too.
        batch_bytes: bytes of messages per table gathered before handing them to dlt.
    """
    return kafka_messages(chunks, ledger, files, batch_bytes)


@dlt.resource(name="kafka_messages", write_disposition="append")
def kafka_messages(
    chunks: Iterable[MessageChunk],
    ledger: Ledger,
    files: Sequence[FileTally] = (),
    batch_bytes: int = 32 << 20,
) -> Iterator[object]:
    """Yield Arrow tables of new messages per topic table, then offsets and file rows."""
    load_id = dlt.current.load_package_state()["load_id"]
    ingested_at = dt.datetime.now(dt.UTC)
    pending: dict[str, list[pa.Table]] = {}
    pending_bytes = 0
    scratch = duckdb.connect(config={"threads": 2})
    try:
        for chunk in chunks:
            if chunk.rejected is not None and len(chunk.rejected):
                if chunk.file is not None:
                    chunk.file.rejected_lines += len(chunk.rejected)
                yield _with_table(
                    _error_rows(chunk, ingested_at, load_id),
                    DUMP_ERRORS_TABLE,
                    DUMP_ERRORS_COLUMNS,
                )
            bronze = to_bronze(scratch, chunk.messages, ingested_at, load_id)
            kept = ledger.admit(bronze, chunk.source, chunk.source_file, chunk.file)
            for table_name, part in _split_by_table(kept):
                pending.setdefault(table_name, []).append(part)
                pending_bytes += part.nbytes
            if pending_bytes >= batch_bytes:
                for table_name, parts in sorted(pending.items()):
                    yield _with_table(pa.concat_tables(parts), table_name, BRONZE_COLUMNS)
                pending, pending_bytes = {}, 0
        for table_name, parts in sorted(pending.items()):
            yield _with_table(pa.concat_tables(parts), table_name, BRONZE_COLUMNS)
        offsets = ledger.drain_offset_rows(ingested_at, load_id)
        if len(offsets):
            yield _with_table(offsets, OFFSETS_TABLE, OFFSETS_COLUMNS)
        if files:
            registry = pa.Table.from_pylist(
                [_file_row(item, ingested_at, load_id) for item in files],
                schema=DUMP_FILES_ARROW_SCHEMA,
            )
            yield _with_table(registry, DUMP_FILES_TABLE, DUMP_FILES_COLUMNS)
    finally:
        scratch.close()
