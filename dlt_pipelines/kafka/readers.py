"""Read dump files into raw message tables (``messages.RAW_SCHEMA``), batch by batch.

kcat envelopes are taken apart by DuckDB over the Arrow batch of lines, so lines do
not become Python objects; only lines with invalid UTF-8 (binary keys or values, which
kcat writes raw) take a slow path in Python. Lines that are not usable envelopes are
returned as rejected lines with the reason: they are kept, not dropped.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from dlt_pipelines.kafka.dumps import DumpFile
from dlt_pipelines.kafka.messages import RAW_SCHEMA
from dlt_pipelines.lines import FileReadState, LineBatch, read_line_batches

REJECTED_SCHEMA = pa.schema(
    [
        pa.field("line", pa.large_string(), nullable=False),
        pa.field("_line_error", pa.string(), nullable=False),
        pa.field("_line_number", pa.int64(), nullable=False),
    ]
)

# Why a line is not a usable kcat -J envelope (null when it is one). The CASE only
# evaluates a branch for rows that reach it, so JSON functions never see invalid JSON.
_ENVELOPE_ERROR_SQL = """
select
    case
        when regexp_matches(line, '^\\s*$') then 'empty line'
        when not json_valid(line) then 'invalid JSON'
        when json_type(line) <> 'OBJECT'
            then 'not a kcat -J envelope (a JSON ' || lower(json_type(line)) || ')'
        when json_type(line, '$.topic') is distinct from 'VARCHAR'
            or json_extract_string(line, '$.topic') = ''
            then 'envelope without a topic'
        when json_type(line, '$.partition') is distinct from 'UBIGINT'
            or try_cast(json_extract(line, '$.partition') as integer) is null
            then 'envelope without a valid partition'
        when json_type(line, '$.offset') is distinct from 'UBIGINT'
            or try_cast(json_extract(line, '$.offset') as bigint) is null
            then 'envelope without a valid offset'
        when coalesce(json_type(line, '$.payload'), 'missing') not in ('VARCHAR', 'NULL')
            then 'envelope without a text payload'
        when coalesce(json_type(line, '$.key'), 'NULL') not in ('VARCHAR', 'NULL')
            then 'envelope with a key that is not text'
        when coalesce(json_type(line, '$.headers'), 'NULL') not in ('ARRAY', 'NULL')
            or coalesce(json_array_length(line, '$.headers'), 0) % 2 = 1
            then 'envelope with invalid headers'
        when coalesce(json_type(line, '$.ts'), 'UBIGINT') not in ('UBIGINT', 'BIGINT')
            then 'envelope with an invalid timestamp'
    end as envelope_error
from envelope_lines
"""

# The fields of valid envelopes; kcat's flat header list [n1, v1, n2, v2] becomes pairs.
_ENVELOPE_FIELDS_SQL = """
with envelopes as (
    select
        *,
        case
            when json_type(line, '$.headers') = 'ARRAY'
                then json_extract_string(line, '$.headers[*]')
        end as header_list
    from envelope_lines
)
select
    json_extract_string(line, '$.topic') as topic,
    cast(json_extract(line, '$.partition') as bigint) as "partition",
    cast(json_extract(line, '$.offset') as bigint) as "offset",
    case
        when json_extract_string(line, '$.tstype') in ('create', 'logappend')
            then cast(json_extract(line, '$.ts') as bigint)
    end as timestamp_ms,
    case json_extract_string(line, '$.tstype')
        when 'create' then 'CreateTime'
        when 'logappend' then 'LogAppendTime'
    end as timestamp_type,
    json_extract_string(line, '$.key') as "key",
    json_extract_string(line, '$.payload') as record,
    case
        when coalesce(len(header_list), 0) > 0 then to_json(
            list_transform(
                range(cast(len(header_list) // 2 as bigint)),
                lambda i: [header_list[2 * i + 1], header_list[2 * i + 2]]
            )
        )
    end as headers,
    value_invalid_utf8,
    line_number
from envelopes
"""

# kcat writes invalid UTF-8 bytes raw inside JSON strings; the line reader keeps them as
# \xNN escapes. Outside escaped backslashes, each \xNN is such a byte.
_BYTE_ESCAPE = re.compile(r"\\\\|\\x([0-9a-f]{2})")


@dataclass(frozen=True)
class ReadChunk:
    """Messages read from one batch of a dump file, and the lines that are not messages."""

    messages: pa.Table  # RAW_SCHEMA
    rejected: pa.Table  # REJECTED_SCHEMA


def _json_safe(line: str) -> str:
    """Turn the line reader's ``\\xNN`` escapes into JSON text for the same characters."""
    return _BYTE_ESCAPE.sub(lambda m: m.group(0) if m.group(1) is None else "\\" + m.group(0), line)


def _payload_has_invalid_utf8(line: str) -> bool:
    """Whether the envelope's payload (not only its key or headers) held invalid UTF-8."""
    marked = _BYTE_ESCAPE.sub(
        lambda m: m.group(0) if m.group(1) is None else chr(0xDC00 + int(m.group(1), 16)), line
    )
    try:
        envelope = json.loads(marked)
    except ValueError:
        return False
    payload = envelope.get("payload") if isinstance(envelope, dict) else None
    return isinstance(payload, str) and any("\udc80" <= char <= "\udcff" for char in payload)


def _constant(value: object, type_: pa.DataType, count: int) -> pa.Array:
    return pa.repeat(pa.scalar(value, type_), count)


def _kcat_chunk(
    scratch: duckdb.DuckDBPyConnection, batch: LineBatch, source_file: str, sha256: str
) -> ReadChunk:
    lines = batch.lines
    value_invalid = pa.array(np.zeros(len(lines), dtype=np.bool_))
    if batch.invalid_utf8 is not None:  # slow path: only batches with invalid UTF-8
        flags = batch.invalid_utf8.to_pylist()
        texts = lines.to_pylist()
        lines = pa.array(
            [_json_safe(t) if bad else t for t, bad in zip(texts, flags, strict=True)],
            type=pa.large_string(),
        )
        value_invalid = pa.array(
            [bad and _payload_has_invalid_utf8(t) for t, bad in zip(texts, flags, strict=True)]
        )
    envelope_lines = pa.table(
        {"line": lines, "value_invalid_utf8": value_invalid, "line_number": batch.line_numbers}
    )
    scratch.register("envelope_lines", envelope_lines)
    try:
        error = scratch.execute(_ENVELOPE_ERROR_SQL).to_arrow_table().column(0)
    finally:
        scratch.unregister("envelope_lines")
    valid = pc.is_null(error)
    rejected = pa.table(
        {
            "line": pc.filter(batch.lines, pc.invert(valid)),
            "_line_error": pc.filter(error, pc.invert(valid)),
            "_line_number": pc.filter(batch.line_numbers, pc.invert(valid)),
        },
        schema=REJECTED_SCHEMA,
    )
    envelope_lines = envelope_lines.filter(valid)
    scratch.register("envelope_lines", envelope_lines)
    try:
        fields = scratch.execute(_ENVELOPE_FIELDS_SQL).to_arrow_table()
    finally:
        scratch.unregister("envelope_lines")
    count = len(fields)
    messages = pa.table(
        {
            **{name: fields.column(name) for name in RAW_SCHEMA.names[:9]},
            "_source": _constant("kcat", pa.string(), count),
            "_source_file": _constant(source_file, pa.string(), count),
            "_line_number": fields.column("line_number"),
            "_file_sha256": _constant(sha256, pa.string(), count),
        }
    ).cast(RAW_SCHEMA)
    return ReadChunk(messages, rejected)


def read_kcat_dump(
    dump: DumpFile, sha256: str, state: FileReadState, batch_bytes: int
) -> Iterator[ReadChunk]:
    """The messages of a ``kcat -C -J`` dump (plain or gzipped), one chunk per line batch."""
    scratch = duckdb.connect(config={"threads": 2})
    try:
        for batch in read_line_batches(dump.path, state, batch_bytes):
            yield _kcat_chunk(scratch, batch, dump.relative_path, sha256)
    finally:
        scratch.close()


def _connect_chunk(dump: DumpFile, batch: LineBatch, sha256: str) -> pa.Table:
    count = len(batch.lines)
    if dump.topic is None or dump.partition is None or dump.start_offset is None:
        raise ValueError(f"{dump.relative_path} is not a Kafka Connect dump file")
    offsets = np.arange(count, dtype=np.int64) + (dump.start_offset + batch.first_line_number - 1)
    invalid = (
        batch.invalid_utf8
        if batch.invalid_utf8 is not None
        else _constant(False, pa.bool_(), count)
    )
    return pa.table(
        {
            "topic": _constant(dump.topic, pa.string(), count),
            "partition": _constant(dump.partition, pa.int64(), count),
            "offset": pa.array(offsets),
            "timestamp_ms": _constant(None, pa.int64(), count),
            "timestamp_type": _constant(None, pa.string(), count),
            "key": _constant(None, pa.large_string(), count),
            "record": batch.lines,
            "headers": _constant(None, pa.large_string(), count),
            "value_invalid_utf8": invalid,
            "_source": _constant("connect", pa.string(), count),
            "_source_file": _constant(dump.relative_path, pa.string(), count),
            "_line_number": batch.line_numbers,
            "_file_sha256": _constant(sha256, pa.string(), count),
        },
        schema=RAW_SCHEMA,
    )


def read_connect_dump(
    dump: DumpFile, sha256: str, state: FileReadState, batch_bytes: int
) -> Iterator[ReadChunk]:
    """The messages of a Kafka Connect dump file: line i holds offset start + i - 1.

    When the file is a truncated or corrupt gzip stream, its last line may be cut short:
    it is rejected (kept with the reason) rather than claiming its offset with a
    partial value; a complete copy loaded later fills that offset.
    """
    no_rejects = REJECTED_SCHEMA.empty_table()
    held: LineBatch | None = None
    for batch in read_line_batches(dump.path, state, batch_bytes):
        if held is not None:
            yield ReadChunk(_connect_chunk(dump, held, sha256), no_rejects)
        held = batch
    if held is None:
        return
    if state.problem is None:
        yield ReadChunk(_connect_chunk(dump, held, sha256), no_rejects)
        return
    messages = _connect_chunk(dump, held, sha256)
    last = len(messages) - 1
    rejected = pa.table(
        {
            "line": messages.column("record").slice(last),
            "_line_error": pa.array(["possibly incomplete: the last line of a damaged file"]),
            "_line_number": messages.column("_line_number").slice(last),
        },
        schema=REJECTED_SCHEMA,
    )
    yield ReadChunk(messages.slice(0, last), rejected)
