"""Kafka dumps (real kcat -J output and the Connect layout) and a live topic into bronze.

Each (topic, partition, offset) ends up in bronze exactly once however often and from
whichever source it arrives; overlapping dumps add nothing, gapped dumps are reported.
"""

from __future__ import annotations

import gzip
import json
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest

from dlt_pipelines.kafka.consumer import consume_topics
from dlt_pipelines.kafka.ingest import ingest_kafka_dumps
from dlt_pipelines.kafka.names import table_name_for
from tests.kafka.conftest import (
    Key,
    Sent,
    bronze_keys,
    create_topics,
    kcat_dump,
    produce,
    read_back,
    unique_name,
    valid_json,
    write_connect_layout,
)


@dataclass(frozen=True)
class Stream:
    bootstrap: str
    topics: dict[str, int]  # topic -> partitions
    sent: dict[Key, Sent]
    dumps: Path  # kcat dumps and the Connect layout of every message


def _messages(orders: str, clicks: str) -> list[tuple[str, int, Sent]]:
    header = [("trace", b"abc"), ("empty", None)]
    messages = [
        (orders, 0, Sent("o-1", b'{"order": 1, "total": 9.5}', header)),
        (orders, 0, Sent("o-2", b'{"order": 2, "note": "caf\xc3\xa9"}', None)),
        (orders, 0, Sent("o-3", b"not json {", None)),
        (orders, 0, Sent("o-4", b"\xff\xfe binary \x00 value", None)),
        (orders, 0, Sent("o-5", None, None)),  # tombstone
        (orders, 0, Sent(None, b"[1, 2]", None)),
        (orders, 1, Sent("o-7", b'{"order": 7}', [("trace", b"xyz")])),
        (orders, 1, Sent("o-8", b'{"order": 8}', None)),
        (orders, 1, Sent("o-9", b'{"order": 9}', None)),
    ]
    messages += [(clicks, 0, Sent(f"c-{i}", f'{{"click": {i}}}'.encode(), None)) for i in range(7)]
    return messages


@pytest.fixture(scope="module")
def stream(bootstrap: str, tmp_path_factory: pytest.TempPathFactory) -> Stream:
    orders, clicks = unique_name("orders.v1"), unique_name("clicks")
    topics = {orders: 2, clicks: 1}
    create_topics(bootstrap, topics)
    sent = produce(bootstrap, _messages(orders, clicks))
    root = tmp_path_factory.mktemp("stream")
    dumps = root / "dumps"
    (dumps / "kcat").mkdir(parents=True)
    (dumps / "kcat" / f"{orders}.jsonl").write_bytes(kcat_dump(bootstrap, orders, root))
    (dumps / "kcat" / f"{clicks}.json.gz").write_bytes(
        gzip.compress(kcat_dump(bootstrap, clicks, root))
    )
    write_connect_layout(dumps, read_back(bootstrap, topics))
    return Stream(bootstrap, topics, sent, dumps)


def all_keys(warehouse: Path, stream: Stream) -> list[Key]:
    tables = sorted({table_name_for(t) for t in stream.topics})
    return sorted(k for table in tables for k in bronze_keys(warehouse, table))


def test_dumps_twice_and_live_once_hold_each_offset_once(stream: Stream, tmp_path: Path) -> None:
    warehouse = tmp_path / "wh.duckdb"
    first = ingest_kafka_dumps(stream.dumps, warehouse)
    assert first.loaded == len(stream.sent)
    assert first.overlaps == len(stream.sent)  # the Connect copy of every message
    assert first.gaps == () and first.skipped == ()
    assert {f.layout for f in first.files} == {"kcat", "connect"}
    assert all(f.rejected_lines == 0 and f.problem is None for f in first.files)
    assert all_keys(warehouse, stream) == sorted(stream.sent)

    second = ingest_kafka_dumps(stream.dumps, warehouse)
    assert (second.loaded, second.overlaps) == (0, 0)
    assert {f.change for f in second.files} == {"unchanged"}

    live = consume_topics(
        stream.bootstrap,
        sorted(stream.topics),
        warehouse,
        group_id=unique_name("live"),
        idle_timeout_s=2.0,
    )
    assert (live.loaded, live.overlaps) == (0, len(stream.sent))
    ends: dict[tuple[str, int], int] = {}
    for topic, partition, offset in stream.sent:
        ends[(topic, partition)] = max(ends.get((topic, partition), 0), offset + 1)
    assert {(c.topic, c.partition): c.offset for c in live.committed} == ends
    assert all_keys(warehouse, stream) == sorted(stream.sent)

    with duckdb.connect(str(warehouse), read_only=True) as con:
        runs = con.execute(
            'select topic, "partition", first_offset, last_offset from bronze.kafka_offsets'
        ).fetchall()
    held = sorted((t, p, o) for t, p, first_o, last_o in runs for o in range(first_o, last_o + 1))
    assert held == sorted(stream.sent)  # the offsets table says exactly what the data holds


def test_values_keys_headers_and_flags_are_verbatim(stream: Stream, tmp_path: Path) -> None:
    warehouse = tmp_path / "wh.duckdb"
    ingest_kafka_dumps(stream.dumps, warehouse)
    rows: dict[Key, tuple[object, ...]] = {}
    with duckdb.connect(str(warehouse), read_only=True) as con:
        for table in {table_name_for(t) for t in stream.topics}:
            for row in con.execute(
                f'select topic, "partition", "offset", "key", record, headers, _line_error,'
                f" _is_valid_json, timestamp_type, timestamp is not null, _source"
                f" from bronze.{table}"
            ).fetchall():
                rows[(row[0], row[1], row[2])] = row[3:]
    for key, sent in stream.sent.items():
        got_key, record, headers, error, is_valid, ts_type, has_ts, source = rows[key]
        assert got_key == sent.key and source == "kcat"
        assert ts_type == "CreateTime" and has_ts
        expected = (
            None if sent.value is None else sent.value.decode("utf-8", errors="backslashreplace")
        )
        assert record == expected, key
        assert is_valid == valid_json(sent.value) and (error is None) == is_valid
        if sent.headers:
            expected_headers = [[n, None if v is None else v.decode()] for n, v in sent.headers]
            assert json.loads(str(headers)) == expected_headers
        else:
            assert headers is None
    errors = [str(row[3]) for row in rows.values() if row[3] is not None]
    assert sorted(errors) == sorted(
        [
            "invalid JSON",
            "invalid UTF-8",
            "null value (tombstone)",
            "not a JSON object (array)",
        ]
    )


def test_overlapping_dump_adds_nothing(stream: Stream, tmp_path: Path) -> None:
    warehouse = tmp_path / "wh.duckdb"
    ingest_kafka_dumps(stream.dumps, warehouse)
    orders = next(t for t in stream.topics if t.startswith("orders"))
    lines = (stream.dumps / "kcat" / f"{orders}.jsonl").read_bytes().splitlines(keepends=True)
    extra = tmp_path / "extra"
    (extra / "kcat").mkdir(parents=True)
    # offsets 1-4, and offset 2 once more within the same dump
    (extra / "kcat" / "again.jsonl").write_bytes(b"".join(lines[1:5] + lines[2:3]))
    before = all_keys(warehouse, stream)
    # the same warehouse, a new dump root: only offsets decide
    report = ingest_kafka_dumps(extra, warehouse)
    assert (report.loaded, report.overlaps) == (0, 5)
    assert report.files[0].overlaps == 5 and report.files[0].loaded == 0
    assert all_keys(warehouse, stream) == before


def test_gapped_dump_is_reported_and_later_filled(stream: Stream, tmp_path: Path) -> None:
    warehouse = tmp_path / "wh.duckdb"
    clicks = next(t for t in stream.topics if t.startswith("clicks"))
    lines = gzip.decompress((stream.dumps / "kcat" / f"{clicks}.json.gz").read_bytes()).splitlines(
        keepends=True
    )
    assert [json.loads(line)["offset"] for line in lines] == list(range(7))
    gapped = tmp_path / "gapped"
    (gapped / "kcat").mkdir(parents=True)
    (gapped / "kcat" / "clicks.jsonl").write_bytes(b"".join(lines[:2] + lines[4:]))
    report = ingest_kafka_dumps(gapped, warehouse)
    assert report.loaded == 5
    assert report.gaps == ((clicks, 0, 2, 3),)

    full = tmp_path / "full"
    (full / "kcat").mkdir(parents=True)
    (full / "kcat" / "clicks.jsonl").write_bytes(b"".join(lines))
    filled = ingest_kafka_dumps(full, warehouse)
    outcome = filled.partition(clicks, 0)
    assert outcome is not None
    assert (outcome.loaded, outcome.overlaps, outcome.gaps) == (2, 5, ())
    assert (outcome.first_offset, outcome.last_offset, outcome.high_water_mark) == (2, 3, 6)
    assert bronze_keys(warehouse, table_name_for(clicks)) == [(clicks, 0, o) for o in range(7)]
