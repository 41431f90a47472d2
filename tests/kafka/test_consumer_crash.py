"""A live consumer killed between its dlt load and its offset commit loses nothing and
doubles nothing: the restart re-reads the uncommitted messages and skips them by offset.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from confluent_kafka import Consumer, TopicPartition

from dlt_pipelines.kafka.names import table_name_for
from tests.conftest import PROJECT_DIR
from tests.kafka.conftest import Sent, bronze_keys, create_topics, produce, unique_name


def consume_command(bootstrap: str, topic: str, warehouse: Path, group: str) -> list[str]:
    return [
        sys.executable,
        "-m",
        "dlt_pipelines.kafka",
        "consume",
        "--bootstrap",
        bootstrap,
        "--topics",
        topic,
        "--warehouse",
        str(warehouse),
        "--group",
        group,
        "--idle-timeout",
        "2",
    ]


def committed(bootstrap: str, group: str, topic: str, partitions: int) -> list[int]:
    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": group})
    try:
        found = consumer.committed([TopicPartition(topic, p) for p in range(partitions)], 10)
    finally:
        consumer.close()
    return [tp.offset for tp in found]


def test_kill_between_load_and_commit_then_restart(bootstrap: str, tmp_path: Path) -> None:
    topic, group = unique_name("crash"), unique_name("group")
    warehouse = tmp_path / "wh.duckdb"
    create_topics(bootstrap, {topic: 2})
    first = produce(
        bootstrap,
        [(topic, i % 2, Sent(f"k{i}", f'{{"n": {i}}}'.encode(), None)) for i in range(10)],
    )

    crashing = subprocess.Popen(
        [*consume_command(bootstrap, topic, warehouse, group), "--pause-before-commit", "120"],
        cwd=PROJECT_DIR,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ},
    )
    try:
        assert crashing.stdout is not None
        line = crashing.stdout.readline().strip()  # printed after the load, before the commit
        assert line == "before-commit loaded=10", (
            line,
            crashing.stderr.read() if crashing.stderr else "",
        )
    finally:
        crashing.send_signal(signal.SIGKILL)
        crashing.wait(timeout=10)
    assert crashing.returncode == -signal.SIGKILL
    assert sorted(bronze_keys(warehouse, table_name_for(topic))) == sorted(first)
    assert committed(bootstrap, group, topic, 2) == [-1001, -1001]  # nothing committed

    later = produce(
        bootstrap,
        [(topic, i % 2, Sent(None, f'{{"n": {i}}}'.encode(), None)) for i in range(10, 14)],
    )
    started = time.monotonic()
    restart = subprocess.run(
        consume_command(bootstrap, topic, warehouse, group),
        cwd=PROJECT_DIR,
        capture_output=True,
        text=True,
        timeout=90,
        check=False,
    )
    assert restart.returncode == 0, restart.stderr
    report = json.loads(restart.stdout)
    assert (report["loaded"], report["overlaps"]) == (4, 10), report
    assert report["committed"] == [
        {"topic": topic, "partition": 0, "offset": 7},
        {"topic": topic, "partition": 1, "offset": 7},
    ]
    assert sorted(bronze_keys(warehouse, table_name_for(topic))) == sorted({**first, **later})
    assert committed(bootstrap, group, topic, 2) == [7, 7]
    assert time.monotonic() - started < 60
