"""One rulebook: the same records as files and as topic messages give the same silver rows.

A generated landing zone (bad input included) is delivered twice: once as landing files,
once as kcat dumps of the entity topics (one message per landing line, byte for byte). Two
warehouses are built by the real ``medallion build``; every silver table must hold the same
rows apart from lineage, and the topic build's rows must name their topic, partition and
offset.
"""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pyarrow
import pytest

from dlt_pipelines.landing import scan_landing
from dlt_pipelines.lines import read_raw_lines
from medallion.demo.streams.entity_topics import write_entity_topics
from medallion.erasure import REDACTED_DUMP_LINE
from tests.conftest import run_cli

# Columns that say where a row came from: expected to differ between the two deliveries.
LINEAGE = {
    "_source_file",
    "_file_sha256",
    "_line_number",
    "_ingested_at",
    "_source_type",
    "_kafka_topic",
    "_kafka_partition",
    "_kafka_offset",
    # when an incremental model wrote the row (build metadata, not data)
    "_batch_at",
    # slv_erasure_subjects: where and when the first request was seen
    "first_request_source_file",
    "first_request_line_number",
    "first_seen_at",
}
# The bronze wording of an empty input line differs by transport ('empty line' in a file,
# 'empty value' for a message); the rule that quarantines it is the same.
TRANSPORT_WORDING = ("empty value", "empty line")

SILVER_TABLES = (
    "slv_customers",
    "slv_customers_quarantine",
    "slv_products",
    "slv_products_quarantine",
    "slv_transactions",
    "slv_transactions_quarantine",
    "slv_transaction_lines",
    "slv_erasure_requests",
    "slv_erasure_requests_quarantine",
    "slv_erasure_subjects",
)


def _columns(con: duckdb.DuckDBPyConnection, database: str, table: str) -> list[str]:
    rows = con.execute(
        """
        select column_name from information_schema.columns
        where table_catalog = ? and table_schema = 'silver' and table_name = ?
        order by ordinal_position
        """,
        [database, table],
    ).fetchall()
    return [str(row[0]) for row in rows]


def _comparable(column: str) -> str:
    if column == "_errors":
        message, file_wording = TRANSPORT_WORDING
        return f"list_transform(_errors, e -> replace(e, '{message}', '{file_wording}'))"
    return f'"{column}"'


def _requested_customer_ids(landing: Path) -> list[str]:
    ids = []
    for landing_file in scan_landing(landing).files:
        if landing_file.entity == "erasure-requests":
            for line in read_raw_lines(landing_file.path)[0]:
                try:
                    request = json.loads(line)
                except ValueError:
                    continue
                if isinstance(request, dict) and isinstance(request.get("customer-id"), str):
                    ids.append(request["customer-id"].strip())
    return sorted(set(ids))


@pytest.fixture(scope="module")
def deliveries(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """(files warehouse, topics warehouse) built from the same generated landing zone."""
    root = tmp_path_factory.mktemp("entity_topics")
    landing = root / "landing"
    run_cli(
        "demo",
        "--out",
        str(landing),
        "--days",
        "2",
        "--transactions",
        "400",
        "--seed",
        "7",
        warehouse=root / "unused.duckdb",
    )
    topics = root / "kafka"
    written = write_entity_topics(landing, topics)
    assert set(written) == {"customers", "products", "transactions", "erasure-requests"}
    # Unreadable dump lines naming each erasure subject: they must be redacted once erased.
    broken = [
        f'{{"topic":"customers","partition":0,"offset":{offset},"payload":"{{\\"id\\":\\"{id_}\\"'
        for offset, id_ in enumerate(_requested_customer_ids(landing), start=10_000_000)
    ]
    assert broken
    (topics / "broken.jsonl").write_text("\n".join(broken) + "\n")
    (root / "no_kafka").mkdir()
    (root / "no_landing").mkdir()

    built = []
    for name, landing_dir, dumps in (
        ("files", landing, root / "no_kafka"),
        ("topics", root / "no_landing", topics),
    ):
        workdir = root / name
        workdir.mkdir()
        warehouse = workdir / "warehouse.duckdb"
        with pytest.MonkeyPatch.context() as patch:
            patch.setenv("DBT_TARGET_PATH", str(workdir / "target"))
            patch.setenv("DBT_LOG_PATH", str(workdir / "logs"))
            run_cli(
                "build",
                "--landing",
                str(landing_dir),
                "--kafka-dumps",
                str(dumps),
                warehouse=warehouse,
            )
        built.append(warehouse)
    return built[0], built[1]


def _silver_rows(warehouse: Path, table: str, select: str) -> pyarrow.Table:
    """``select`` of ``silver.<table>``, read on the warehouse's own connection: its views name
    its catalog (the file's name), so they do not resolve in a file attached under an alias."""
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute(f"select {select} from silver.{table}").to_arrow_table()


@pytest.mark.parametrize("table", SILVER_TABLES)
def test_same_silver_rows_from_files_and_topics(deliveries: tuple[Path, Path], table: str) -> None:
    files, topics = deliveries
    with duckdb.connect() as con:
        con.execute(f"attach '{files}' as files (read_only)")
        con.execute(f"attach '{topics}' as topics (read_only)")
        columns = [c for c in _columns(con, "files", table) if c not in LINEAGE]
        assert columns, f"{table} has no columns"
        assert columns == [c for c in _columns(con, "topics", table) if c not in LINEAGE]
    select = ", ".join(_comparable(c) for c in columns)
    with duckdb.connect() as con:
        con.register("from_files", _silver_rows(files, table, select))
        con.register("from_topics", _silver_rows(topics, table, select))
        counts = con.execute(
            """
            select
                (select count(*) from from_files),
                (select count(*) from from_topics),
                (select count(*) from (
                    select * from from_files except all select * from from_topics
                )),
                (select count(*) from (
                    select * from from_topics except all select * from from_files
                ))
            """
        ).fetchone()
    assert counts is not None
    from_files, from_topics, only_files, only_topics = counts
    assert from_files == from_topics
    assert (only_files, only_topics) == (0, 0), f"{table}: rows differ between deliveries"


def test_topic_rows_name_their_message(deliveries: tuple[Path, Path]) -> None:
    files, topics = deliveries
    with duckdb.connect(str(topics), read_only=True) as con:
        rows = con.execute(
            """
            select count(*), count(distinct _kafka_offset), min(_source_type), max(_source_type),
                   min(_kafka_topic), count(*) filter (where _kafka_offset is null)
            from silver.slv_transactions
            """
        ).fetchone()
    assert rows is not None and rows[0] > 0
    assert rows[1] == rows[0]
    assert (rows[2], rows[3], rows[4], rows[5]) == ("kafka", "kafka", "transactions", 0)
    with duckdb.connect(str(files), read_only=True) as con:
        kinds = con.execute(
            "select distinct _source_type, _kafka_offset is null from silver.slv_customers"
        ).fetchall()
    assert kinds == [("file", True)]


def test_erasure_reaches_topic_bronze_and_dump_errors(deliveries: tuple[Path, Path]) -> None:
    _, topics = deliveries
    with duckdb.connect(str(topics), read_only=True) as con:
        erased = {
            str(row[0])
            for row in con.execute(
                "select customer_id from silver.slv_customers where is_erased"
            ).fetchall()
        }
        assert erased, "the generated zone has erasure subjects"
        leaks = con.execute(
            """
            -- only JSON values are read as JSON (the topic carries the generator's bad lines)
            with documents as (
                select case when _is_valid_json then record end as doc
                from bronze.kafka_customers
            )
            select count(*) from documents
            where trim(json_extract_string(doc, '$.id')) in (select unnest(?))
              and (json_extract_string(doc, '$.email') is not null
                   or json_extract_string(doc, '$.last_name') is not null
                   or not coalesce(json_extract(doc, '$._erased')::boolean, false))
            """,
            [sorted(erased)],
        ).fetchone()
        rewritten = con.execute(
            """
            select count(*) from bronze.kafka_customers
            where case when _is_valid_json then json_extract_string(record, '$._erased') end
                = 'true'
            """
        ).fetchone()
        dump_lines = con.execute("select line from bronze.kafka_dump_errors").fetchall()
    assert leaks == (0,)
    assert rewritten is not None and rewritten[0] >= len(erased)
    lines = [str(row[0]) for row in dump_lines]
    assert lines.count(REDACTED_DUMP_LINE) >= 1
    for line in lines:
        assert not any(f'\\"{id_}\\"' in line for id_ in erased), line
