"""Bronze table names for Kafka topics."""

from __future__ import annotations

import re

TABLE_PREFIX = "kafka_"
OFFSETS_TABLE = "kafka_offsets"
DUMP_FILES_TABLE = "kafka_dump_files"
DUMP_ERRORS_TABLE = "kafka_dump_errors"
_RESERVED = {OFFSETS_TABLE, DUMP_FILES_TABLE, DUMP_ERRORS_TABLE}


def table_name_for(topic: str) -> str:
    """The bronze table of a topic: ``kafka_`` and the topic in snake case.

    Topics that differ only in punctuation or case share a table; its ``topic``
    column keeps each message's real topic name.
    """
    slug = re.sub(r"[^a-z0-9]+", "_", topic.lower()).strip("_") or "topic"
    name = TABLE_PREFIX + slug
    return name + "_topic" if name in _RESERVED else name
