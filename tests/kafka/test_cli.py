"""`medallion ingest --kafka-dumps` and `--kafka --topics`, through the real CLI and broker."""

from __future__ import annotations

from pathlib import Path

from dlt_pipelines.kafka.names import table_name_for
from tests.conftest import run_cli
from tests.kafka.conftest import Sent, bronze_keys, create_topics, kcat_dump, produce, unique_name


def test_cli_loads_dumps_then_live_topic_exactly_once(bootstrap: str, tmp_path: Path) -> None:
    topic = unique_name("customers")
    create_topics(bootstrap, {topic: 1})
    sent = produce(
        bootstrap,
        [(topic, 0, Sent(f"k-{i}", f'{{"id": "{i:06d}"}}'.encode(), None)) for i in range(5)],
    )
    dumps = tmp_path / "dumps"
    dumps.mkdir()
    (dumps / f"{topic}.jsonl").write_bytes(kcat_dump(bootstrap, topic, tmp_path))
    landing = tmp_path / "landing"
    landing.mkdir()
    warehouse = tmp_path / "wh.duckdb"

    first = run_cli(
        "ingest", "--landing", str(landing), "--kafka-dumps", str(dumps), warehouse=warehouse
    )
    assert topic in first.stdout
    live = run_cli(
        "ingest",
        "--landing",
        str(landing),
        "--kafka",
        bootstrap,
        "--topics",
        topic,
        warehouse=warehouse,
    )
    assert topic in live.stdout
    keys = bronze_keys(warehouse, table_name_for(topic))
    assert sorted(keys) == sorted(set(keys)) and len(keys) == len(sent) == 5

    missing = run_cli(
        "ingest",
        "--landing",
        str(landing),
        "--kafka-dumps",
        str(tmp_path / "absent"),
        warehouse=warehouse,
        check=False,
    )
    assert missing.returncode == 1 and "does not exist" in missing.stderr
    no_topics = run_cli(
        "ingest", "--landing", str(landing), "--kafka", bootstrap, warehouse=warehouse, check=False
    )
    assert no_topics.returncode == 1 and "--topics" in no_topics.stderr
