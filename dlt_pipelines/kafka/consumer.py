"""Consume Kafka topics into bronze as a consumer group, exactly once.

Offsets are committed to Kafka (never automatically) only after the dlt load that
holds the messages has committed. A crash between load and commit makes the next run
read those messages again; they are then counted as overlaps against the offsets
bronze holds, not loaded twice.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import pyarrow as pa
from confluent_kafka import Consumer, KafkaError, KafkaException, Message, TopicPartition
from dlt.pipeline.exceptions import PipelineStepFailed

from dlt_pipelines.ingest import check_warehouse_free, finish_pending
from dlt_pipelines.kafka.ledger import Ledger
from dlt_pipelines.kafka.live import raw_table
from dlt_pipelines.kafka.pipeline import (
    KafkaIngestError,
    open_kafka_pipeline,
    read_offset_index,
)
from dlt_pipelines.kafka.report import CommittedOffset, KafkaIngestReport
from dlt_pipelines.kafka.settings import KafkaSettings, load_settings
from dlt_pipelines.kafka.source import MessageChunk, kafka_source

BeforeCommit = Callable[[int], None]

# Consumer settings the exactly-once scheme relies on; configuration cannot change them.
_FIXED_CONFIG: dict[str, object] = {"enable.auto.commit": False, "enable.auto.offset.store": False}
_DEFAULT_CONFIG: dict[str, object] = {
    "auto.offset.reset": "earliest",
    "session.timeout.ms": 6000,  # group joins take ~20 s with the 45 s default
    "isolation.level": "read_committed",
}


class _Session:
    """One run of the consumer: buffered messages, loads, commits and the ledger."""

    def __init__(
        self,
        consumer: Consumer,
        warehouse: Path,
        duckdb_settings: dict[str, str] | None,
        settings: KafkaSettings,
        before_commit: BeforeCommit | None,
    ) -> None:
        self.consumer = consumer
        self.settings = settings
        self.before_commit = before_commit
        self.pipeline = open_kafka_pipeline(warehouse, duckdb_settings)
        finish_pending(self.pipeline)
        self.ledger = Ledger(read_offset_index(self.pipeline))
        self.buffer: list[Message] = []
        self.load_ids: list[str] = []
        self.committed: dict[tuple[str, int], int] = {}
        self.assigned = False

    def on_assign(self, consumer: Consumer, partitions: list[TopicPartition]) -> None:
        self.assigned = True

    def on_revoke(self, consumer: Consumer, partitions: list[TopicPartition]) -> None:
        self.flush()  # commit what was read before the partitions go to another member

    def flush(self) -> None:
        """Load the buffered messages, then commit their offsets to Kafka."""
        if not self.buffer:
            return
        messages, self.buffer = self.buffer, []
        chunk = MessageChunk(raw_table(messages), "consumer")
        loaded_before = sum(p.loaded for p in self.ledger.partitions.values())
        try:
            self.pipeline.extract(
                kafka_source([chunk], self.ledger, batch_bytes=self.settings.batch_bytes)
            )
            self.pipeline.normalize()
            info = self.pipeline.load()
        except PipelineStepFailed as error:
            raise KafkaIngestError(
                f"Kafka consumer load failed at dlt step {error.step}: {error.exception}"
            ) from error
        self.load_ids.extend(info.loads_ids)
        pa.default_memory_pool().release_unused()
        if self.before_commit is not None:
            loaded = sum(p.loaded for p in self.ledger.partitions.values()) - loaded_before
            self.before_commit(loaded)
        next_offsets: dict[tuple[str, int], int] = {}
        for message in messages:
            key = (str(message.topic()), int(message.partition() or 0))
            next_offsets[key] = max(next_offsets.get(key, 0), int(message.offset() or 0) + 1)
        commits = [TopicPartition(t, p, offset) for (t, p), offset in sorted(next_offsets.items())]
        try:
            self.consumer.commit(offsets=commits, asynchronous=False)
        except KafkaException as error:
            raise KafkaIngestError(
                f"loaded into bronze, but committing offsets to Kafka failed: {error}; "
                "the next run re-reads those messages and skips them as overlaps"
            ) from error
        self.committed.update(next_offsets)

    def report(self) -> KafkaIngestReport:
        """The report of everything this session loaded and committed."""
        return KafkaIngestReport(
            self.ledger.outcomes(),
            load_ids=tuple(self.load_ids),
            committed=tuple(
                CommittedOffset(t, p, offset) for (t, p), offset in sorted(self.committed.items())
            ),
        )


def _check(message: Message) -> bool:
    """True for a message to load; raise on errors that stop the consumer."""
    error = message.error()
    if error is None:
        return True
    if error.code() == KafkaError._PARTITION_EOF:
        return False
    if error.fatal() or not error.retriable():
        raise KafkaIngestError(f"Kafka consumer error: {error.str()}")
    return False


def consume_topics(
    bootstrap: str,
    topics: list[str],
    warehouse: Path,
    group_id: str = "medallion",
    max_messages: int | None = None,
    idle_timeout_s: float = 10.0,
    batch_messages: int | None = None,
    consumer_config: dict[str, object] | None = None,
    duckdb_settings: dict[str, str] | None = None,
    before_commit: BeforeCommit | None = None,
) -> KafkaIngestReport:
    """Consume ``topics`` into their bronze tables until idle or ``max_messages`` are read.

    Args:
        bootstrap: Kafka bootstrap servers (``host:port[,host:port]``).
        topics: the topics to subscribe to.
        warehouse: the DuckDB file.
        group_id: the consumer group; its committed offsets are where the next run starts.
        max_messages: stop after reading this many messages (overlaps included).
        idle_timeout_s: stop when no message arrived for this long after joining the group.
        batch_messages: messages per dlt load and offset commit.
        consumer_config: extra librdkafka settings (over ``[sources.kafka.consumer]``).
        duckdb_settings: extra DuckDB settings for the warehouse connection.
        before_commit: called after each load with the messages it added, before the
            offsets are committed (a hook for crash tests).
    """
    settings = load_settings()
    check_warehouse_free(warehouse)
    config: dict[str, object] = {
        **_DEFAULT_CONFIG,
        **settings.consumer,
        **(consumer_config or {}),
        **_FIXED_CONFIG,
        "bootstrap.servers": bootstrap,
        "group.id": group_id,
    }
    per_load = batch_messages or settings.batch_messages
    consumer = Consumer(config)
    try:
        session = _Session(consumer, warehouse, duckdb_settings, settings, before_commit)
        read = 0
        started = last_message = time.monotonic()
        consumer.subscribe(topics, on_assign=session.on_assign, on_revoke=session.on_revoke)
        while max_messages is None or read < max_messages:
            wanted = per_load - len(session.buffer)
            if max_messages is not None:
                wanted = min(wanted, max_messages - read)
            polled = consumer.consume(wanted, settings.poll_timeout_s)
            messages = [m for m in polled if _check(m)]
            now = time.monotonic()
            if messages:
                session.buffer.extend(messages)
                read += len(messages)
                last_message = now
            if len(session.buffer) >= per_load or (session.buffer and not messages):
                session.flush()
            if not session.assigned:
                last_message = now
                if now - started > settings.join_timeout_s:
                    raise KafkaIngestError(
                        f"no partitions of {', '.join(topics)} were assigned to group "
                        f"{group_id} within {settings.join_timeout_s:.0f} s"
                    )
            elif now - last_message >= idle_timeout_s:
                break
        session.flush()
    finally:
        consumer.close()
    return session.report()
