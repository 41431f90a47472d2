"""Kafka topic dumps as ``kcat -C -J`` writes them: one JSON envelope per line.

Stream generators build :class:`TopicMessage` values; :func:`assign_offsets` gives each
message its offset in its (topic, partition) in the order given, and
:func:`write_kcat_dump` writes the envelopes (gzipped when the name ends in ``.gz``) in the
order given, which need not be offset order: a dump may list messages out of order.
"""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path


@dataclass(frozen=True)
class TopicMessage:
    """One Kafka message: where it lives, its key, its value (text) and its create time."""

    topic: str
    partition: int
    key: str | None
    value: str | None
    timestamp_ms: int
    offset: int = -1
    headers: tuple[tuple[str, str], ...] = ()


def assign_offsets(messages: Iterable[TopicMessage], first_offset: int = 0) -> list[TopicMessage]:
    """The messages with consecutive offsets per (topic, partition), in the order given."""
    next_offset: dict[tuple[str, int], int] = {}
    placed = []
    for message in messages:
        where = (message.topic, message.partition)
        offset = next_offset.get(where, first_offset)
        next_offset[where] = offset + 1
        placed.append(replace(message, offset=offset))
    return placed


def kcat_envelope(message: TopicMessage) -> str:
    """The ``kcat -J`` line of one message (``tstype`` create, ``broker`` unknown)."""
    envelope: dict[str, object] = {
        "topic": message.topic,
        "partition": message.partition,
        "offset": message.offset,
        "tstype": "create",
        "ts": message.timestamp_ms,
        "broker": -1,
    }
    if message.headers:
        envelope["headers"] = [item for pair in message.headers for item in pair]
    envelope["key"] = message.key
    envelope["payload"] = message.value
    return json.dumps(envelope, ensure_ascii=False, separators=(",", ":"))


def write_kcat_dump(path: Path, messages: Sequence[TopicMessage]) -> int:
    """Write ``messages`` (offsets assigned) as a kcat dump; return the number of lines."""
    if any(message.offset < 0 for message in messages):
        raise ValueError("assign offsets before writing a dump")
    path.parent.mkdir(parents=True, exist_ok=True)
    text = "".join(kcat_envelope(message) + "\n" for message in messages)
    # Values decoded with surrogateescape get their invalid UTF-8 bytes back raw, as kcat
    # writes binary values.
    data = text.encode("utf-8", errors="surrogateescape")
    if path.name.endswith(".gz"):
        data = gzip.compress(data, mtime=0)
    path.write_bytes(data)
    return len(messages)
