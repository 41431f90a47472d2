"""Consumed Kafka messages as a raw message table (``messages.RAW_SCHEMA``)."""

from __future__ import annotations

import json
from collections.abc import Sequence

import pyarrow as pa
from confluent_kafka import TIMESTAMP_CREATE_TIME, TIMESTAMP_LOG_APPEND_TIME, Message

from dlt_pipelines.kafka.messages import RAW_SCHEMA, decode_text

_TIMESTAMP_TYPES = {TIMESTAMP_CREATE_TIME: "CreateTime", TIMESTAMP_LOG_APPEND_TIME: "LogAppendTime"}


def _text(value: str | bytes | None) -> str | None:
    if value is None or isinstance(value, str):
        return value
    return decode_text(value)[0]


def _headers(message: Message) -> str | None:
    headers = message.headers()
    if not headers:
        return None
    items = headers.items() if isinstance(headers, dict) else headers
    pairs = [[name, _text(value)] for name, value in items]
    return json.dumps(pairs, ensure_ascii=False, separators=(",", ":"))


def raw_table(messages: Sequence[Message]) -> pa.Table:
    """The messages as rows: value and key as text, timestamp, headers as JSON pairs."""
    columns: dict[str, list[object]] = {name: [] for name in RAW_SCHEMA.names}
    for message in messages:
        value = message.value()
        record, invalid = (None, False) if value is None else decode_text(value)
        key = message.key()
        ts_type, ts_ms = message.timestamp()
        columns["topic"].append(message.topic())
        columns["partition"].append(message.partition())
        columns["offset"].append(message.offset())
        columns["timestamp_ms"].append(ts_ms if ts_type in _TIMESTAMP_TYPES else None)
        columns["timestamp_type"].append(_TIMESTAMP_TYPES.get(ts_type))
        columns["key"].append(None if key is None else decode_text(key)[0])
        columns["record"].append(record)
        columns["headers"].append(_headers(message))
        columns["value_invalid_utf8"].append(invalid)
        columns["_source"].append("consumer")
        columns["_source_file"].append(None)
        columns["_line_number"].append(None)
        columns["_file_sha256"].append(None)
    return pa.table(columns, schema=RAW_SCHEMA)
