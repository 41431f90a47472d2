"""Settings of the Kafka ingest: ``[sources.kafka]`` in ``.dlt/config.toml``, else defaults.

See the ``[sources.kafka]`` sections of ``.dlt/config.toml`` for every key.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import dlt

SECTION = "sources.kafka"


@dataclass(frozen=True)
class KafkaSettings:
    """Everything the Kafka ingest reads from configuration."""

    batch_bytes: int = 32 << 20
    connect_topics_dir: str = "topics"
    batch_messages: int = 10_000
    poll_timeout_s: float = 1.0
    join_timeout_s: float = 60.0
    consumer: dict[str, object] = field(default_factory=dict)


def _get(key: str, type_: type) -> object | None:
    return dlt.config.get(f"{SECTION}.{key}", type_)


def load_settings() -> KafkaSettings:
    """The settings from dlt's configuration, each missing key at its default."""
    defaults = KafkaSettings()
    batch_bytes = _get("batch_bytes", int)
    topics_dir = _get("connect_topics_dir", str)
    batch_messages = _get("batch_messages", int)
    poll = _get("poll_timeout_s", float)
    join = _get("join_timeout_s", float)
    consumer = _get("consumer", dict)
    return KafkaSettings(
        batch_bytes=int(batch_bytes) if isinstance(batch_bytes, int) else defaults.batch_bytes,
        connect_topics_dir=str(topics_dir) if topics_dir else defaults.connect_topics_dir,
        batch_messages=(
            int(batch_messages) if isinstance(batch_messages, int) else defaults.batch_messages
        ),
        poll_timeout_s=float(poll) if isinstance(poll, int | float) else defaults.poll_timeout_s,
        join_timeout_s=float(join) if isinstance(join, int | float) else defaults.join_timeout_s,
        consumer=dict(consumer) if isinstance(consumer, dict) else {},
    )
