"""Kafka messages as Arrow tables: the raw shape every reader produces, and bronze rows.

A reader (kcat dump, Kafka Connect dump, live consumer) turns what it reads into a
*raw* message table (``RAW_SCHEMA``). ``to_bronze`` classifies the values in DuckDB
(``_line_error``, the same rules as the file bronze) and attaches the load's lineage.
"""

from __future__ import annotations

import datetime as dt

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from dlt.common.schema.typing import TTableSchemaColumns

RAW_SCHEMA = pa.schema(
    [
        pa.field("topic", pa.string(), nullable=False),
        pa.field("partition", pa.int64(), nullable=False),
        pa.field("offset", pa.int64(), nullable=False),
        pa.field("timestamp_ms", pa.int64()),
        pa.field("timestamp_type", pa.string()),
        pa.field("key", pa.large_string()),
        pa.field("record", pa.large_string()),
        pa.field("headers", pa.large_string()),
        pa.field("value_invalid_utf8", pa.bool_(), nullable=False),
        pa.field("_source", pa.string(), nullable=False),
        pa.field("_source_file", pa.string()),
        pa.field("_line_number", pa.int64()),
        pa.field("_file_sha256", pa.string()),
    ]
)

BRONZE_ARROW_SCHEMA = pa.schema(
    [
        pa.field("topic", pa.string(), nullable=False),
        pa.field("partition", pa.int64(), nullable=False),
        pa.field("offset", pa.int64(), nullable=False),
        pa.field("timestamp", pa.timestamp("us", tz="UTC")),
        pa.field("timestamp_type", pa.string()),
        pa.field("key", pa.large_string()),
        pa.field("record", pa.large_string()),
        pa.field("headers", pa.large_string()),
        pa.field("_line_error", pa.string()),
        pa.field("_is_valid_json", pa.bool_(), nullable=False),
        pa.field("_source", pa.string(), nullable=False),
        pa.field("_source_file", pa.string()),
        pa.field("_line_number", pa.int64()),
        pa.field("_file_sha256", pa.string()),
        pa.field("_ingested_at", pa.timestamp("us", tz="UTC"), nullable=False),
        pa.field("_dlt_load_id", pa.string(), nullable=False),
    ]
)

BRONZE_COLUMNS: TTableSchemaColumns = {
    "topic": {"data_type": "text", "nullable": False, "description": "The Kafka topic."},
    "partition": {"data_type": "bigint", "nullable": False},
    "offset": {
        "data_type": "bigint",
        "nullable": False,
        "description": "(topic, partition, offset) is unique in bronze.",
    },
    "timestamp": {"data_type": "timestamp", "nullable": True, "timezone": True},
    "timestamp_type": {
        "data_type": "text",
        "nullable": True,
        "description": "CreateTime or LogAppendTime; null when the message has no timestamp.",
    },
    "key": {
        "data_type": "text",
        "nullable": True,
        "description": "The key as text (invalid UTF-8 kept with \\xNN escapes).",
    },
    "record": {
        "data_type": "text",
        "nullable": True,
        "description": "The value as received; null for a null value (tombstone).",
    },
    "headers": {
        "data_type": "text",
        "nullable": True,
        "description": 'JSON array of [name, value] pairs, e.g. [["h","v"]]; null: no headers.',
    },
    "_line_error": {
        "data_type": "text",
        "nullable": True,
        "description": "Why the value is not a JSON object; null when it is one.",
    },
    "_is_valid_json": {"data_type": "bool", "nullable": False},
    "_source": {
        "data_type": "text",
        "nullable": False,
        "description": "kcat (kcat -J dump), connect (Kafka Connect dump) or consumer.",
    },
    "_source_file": {"data_type": "text", "nullable": True},
    "_line_number": {"data_type": "bigint", "nullable": True},
    "_file_sha256": {"data_type": "text", "nullable": True},
    "_ingested_at": {"data_type": "timestamp", "nullable": False, "timezone": True},
    "_dlt_load_id": {"data_type": "text", "nullable": False},
}

# Why a value is not a usable record (null when it is a JSON object); the same rules
# as the file bronze, plus null values. A projection keeps the input order.
_VALUE_ERROR_SQL = """
select
    case
        when record is null then 'null value (tombstone)'
        when value_invalid_utf8 then 'invalid UTF-8'
        when json_valid(record) and regexp_matches(record, '^\\s*[{]') then null
        when json_valid(record) then 'not a JSON object (' || lower(json_type(record)) || ')'
        when regexp_matches(record, '^\\s*$') then 'empty value'
        else 'invalid JSON'
    end as line_error
from raw_messages
"""


def empty_raw_table() -> pa.Table:
    """A raw message table without rows."""
    return RAW_SCHEMA.empty_table()


def decode_text(value: bytes) -> tuple[str, bool]:
    """Bytes as text, and whether they were invalid UTF-8 (then kept with ``\\xNN`` escapes)."""
    try:
        return value.decode("utf-8"), False
    except UnicodeDecodeError:
        return value.decode("utf-8", errors="backslashreplace"), True


def to_bronze(
    scratch: duckdb.DuckDBPyConnection, raw: pa.Table, ingested_at: dt.datetime, load_id: str
) -> pa.Table:
    """Classify the values of a raw message table and attach the load's lineage."""
    scratch.register("raw_messages", raw)
    try:
        line_error = scratch.execute(_VALUE_ERROR_SQL).to_arrow_table().column(0)
    finally:
        scratch.unregister("raw_messages")
    if len(line_error) != len(raw):
        raise RuntimeError("value classification lost rows")  # cannot happen; guards order
    zeros = pa.array(np.zeros(len(raw), dtype=np.int32))
    return pa.table(
        {
            "topic": raw.column("topic"),
            "partition": raw.column("partition"),
            "offset": raw.column("offset"),
            "timestamp": pc.cast(
                pc.cast(raw.column("timestamp_ms"), pa.timestamp("ms", tz="UTC")),
                pa.timestamp("us", tz="UTC"),
            ),
            "timestamp_type": raw.column("timestamp_type"),
            "key": raw.column("key"),
            "record": raw.column("record"),
            "headers": raw.column("headers"),
            "_line_error": line_error,
            "_is_valid_json": pc.is_null(line_error),
            "_source": raw.column("_source"),
            "_source_file": raw.column("_source_file"),
            "_line_number": raw.column("_line_number"),
            "_file_sha256": raw.column("_file_sha256"),
            "_ingested_at": pc.take(pa.array([ingested_at], pa.timestamp("us", tz="UTC")), zeros),
            "_dlt_load_id": pc.take(pa.array([load_id], pa.string()), zeros),
        },
        schema=BRONZE_ARROW_SCHEMA,
    )
