"""A landing zone re-delivered as Kafka topics: one message per landing line.

The business entities also arrive as topics (``customers``, ``products``, ``transactions``,
``erasure-requests``). This turns the lines of a landing zone into kcat dumps of those
topics, line for line and byte for byte (bad lines included), so the same data can be
delivered once as files and once as messages. Each message's create time lies in its
file's partition hour, and the messages of a topic (one partition) follow the files' path
order and line order, so the de-duplication order is the same for both deliveries.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from dlt_pipelines.landing import ENTITY_TABLES, LandingFile, scan_landing
from dlt_pipelines.lines import read_raw_lines
from medallion.demo.streams.kcat import TopicMessage, assign_offsets, write_kcat_dump


def _hour_start_ms(landing_file: LandingFile) -> int:
    start = dt.datetime.combine(
        landing_file.partition_date, dt.time(landing_file.partition_hour), tzinfo=dt.UTC
    )
    return int(start.timestamp() * 1000)


def write_entity_topics(landing: Path, kafka_out: Path) -> dict[str, int]:
    """Write ``kafka_out/entities/<topic>.jsonl.gz`` for every entity; return messages per topic.

    The files are those the landing ingest loads (``scan_landing``: invalid partitions and
    unknown files are not delivered). A line's message time is its hour's start plus its line
    number in milliseconds.
    """
    messages: dict[str, list[TopicMessage]] = {entity: [] for entity in ENTITY_TABLES}
    for landing_file in sorted(scan_landing(landing).files, key=lambda f: f.relative_path):
        hour_start = _hour_start_ms(landing_file)
        lines, _ = read_raw_lines(landing_file.path)
        for number, line in enumerate(lines, start=1):
            messages[landing_file.entity].append(
                TopicMessage(
                    topic=landing_file.entity,
                    partition=0,
                    key=None,
                    value=line.decode("utf-8", errors="surrogateescape"),
                    timestamp_ms=hour_start + number,
                )
            )
    written: dict[str, int] = {}
    for topic, topic_messages in messages.items():
        if topic_messages:
            dump = kafka_out / "entities" / f"{topic}.jsonl.gz"
            written[topic] = write_kcat_dump(dump, assign_offsets(topic_messages))
    return written
