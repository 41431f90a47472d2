"""All demo topic dumps for a generated landing zone in one call (`medallion demo --kafka-out`)."""

from __future__ import annotations

from pathlib import Path

from medallion.demo.config import DemoConfig
from medallion.demo.streams.clickstream import write_clickstream
from medallion.demo.streams.context import read_stream_context
from medallion.demo.streams.entity_topics import write_entity_topics
from medallion.demo.streams.orders_cdc import write_orders_cdc


def write_stream_dumps(
    landing: Path, kafka_out: Path, config: DemoConfig, *, entity_topics: bool = False
) -> list[str]:
    """Write the ``orders_cdc`` and ``clickstream`` dumps (and the entity topics if asked).

    The streams refer to the customers and orders of ``landing`` (already generated with
    ``config``). ``kafka_out`` must not exist or be empty. Returns the topics written.
    """
    if kafka_out.exists() and (not kafka_out.is_dir() or any(kafka_out.iterdir())):
        raise FileExistsError(f"{kafka_out} exists and is not an empty directory")
    context = read_stream_context(
        landing, seed=config.seed, start_date=config.start_date, days=config.days
    )
    write_orders_cdc(kafka_out, context, bad_input=config.bad_input)
    write_clickstream(kafka_out, context)
    topics = ["orders_cdc", "clickstream"]
    if entity_topics:
        topics += sorted(write_entity_topics(landing, kafka_out))
    return topics
