"""``medallion refresh`` with nothing new: seconds, no build, a record that says so.

One ``medallion run`` (a mart plan, with two kcat dumps holding a deliberate offset gap) into a
fresh warehouse, then refreshes: the first finds nothing new and skips the build; after a new
landing file appears the next one builds, and the one after that is a no-op again.
"""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path
from typing import Any

import pytest

from tests.refresh.helpers import (
    PLAN,
    TOPIC,
    TOPIC_TABLE,
    Command,
    Place,
    demo_landing,
    write_dumps,
)

pytestmark = pytest.mark.slow

NOOP_SECONDS = 5.0


@pytest.fixture(scope="module")
def landing(root: Path, project: Path) -> Path:
    return demo_landing(root, project)


@pytest.fixture(scope="module")
def dumps(root: Path) -> Path:
    folder = root / "dumps"
    write_dumps(folder)
    return folder


@pytest.fixture(scope="module")
def place(root: Path) -> Place:
    return Place.under(root / "wh")


def refresh_args(landing: Path, dumps: Path) -> tuple[str, ...]:
    return ("refresh", "--landing", str(landing), "--kafka-dumps", str(dumps), "--plan", PLAN)


@pytest.fixture(scope="module")
def first(place: Place, project: Path, landing: Path, dumps: Path) -> Command:
    """``medallion run`` (text logs) over the landing zone and the dumps."""
    command = place.run(
        "run",
        "--landing",
        str(landing),
        "--kafka-dumps",
        str(dumps),
        "--plan",
        PLAN,
        project=project,
    )
    assert command.returncode == 0, command.stdout[-4000:] + command.stderr[-4000:]
    return command


@pytest.fixture(scope="module")
def noop(first: Command, place: Place, project: Path, landing: Path, dumps: Path) -> Command:
    """A refresh right after the run, with JSON logs."""
    return place.run("--log-format", "json", *refresh_args(landing, dumps), project=project)


def test_a_run_ends_with_its_last_log_line(first: Command) -> None:
    # The process skips the interpreter's teardown (medallion/cli.py) but not the exit handlers:
    # without them multiprocessing's resource tracker warned of leaked semaphores here.
    last = [line for line in first.stderr.splitlines() if line.strip()][-1]

    assert " INFO    run finished: success " in last, first.stderr[-3000:]


def test_run_logs_one_text_line_per_step(first: Command) -> None:
    lines = [line for line in first.stderr.splitlines() if " INFO " in line]
    steps = [line.split()[2] for line in lines]

    assert steps[:3] == ["start-up", "ingest", "dbt"], first.stderr
    assert {"erasure", "exports", "record", "run"} <= set(steps)
    ingest = next(line for line in lines if line.split()[2] == "ingest")
    assert "rows_loaded=" in ingest and "kafka_messages_loaded=17" in ingest
    assert "kafka_gaps=1" in ingest
    assert f"gap {TOPIC}[0]: offsets 4-6 missing" in first.stdout


def test_the_run_record_lists_the_kafka_loads(first: Command, place: Place, dumps: Path) -> None:
    record = first.record()
    kafka = record["kafka"]
    files = {entry["path"]: entry for entry in kafka["files"]}

    assert record["command"] == "run" and record["changed"] is True
    assert kafka["ingested"] and kafka["dumps_root"] == str(dumps.resolve())
    assert kafka["messages_loaded"] == 17 and kafka["overlaps"] == 2
    assert len(kafka["load_ids"]) == 1
    first_dump, second_dump = dumps / "events-a.jsonl", dumps / "events-b.jsonl.gz"
    assert files["events-a.jsonl"] == {
        "path": "events-a.jsonl",
        "layout": "kcat",
        "change": "new",
        "sha256": hashlib.sha256(first_dump.read_bytes()).hexdigest(),
        "size_bytes": first_dump.stat().st_size,
        "lines": 15,
        "messages": 14,
        "loaded": 14,
        "overlaps": 0,
        "rejected_lines": 1,
        "problem": None,
    }
    second = files["events-b.jsonl.gz"]
    assert second["sha256"] == hashlib.sha256(second_dump.read_bytes()).hexdigest()
    assert (second["messages"], second["loaded"], second["overlaps"]) == (5, 3, 2)
    partitions = {(p["topic"], p["partition"]): p for p in kafka["partitions"]}
    assert partitions[(TOPIC, 0)]["loaded"] == 7
    assert (partitions[(TOPIC, 0)]["first_offset"], partitions[(TOPIC, 0)]["last_offset"]) == (0, 9)
    assert partitions[(TOPIC, 1)]["loaded"] == 10
    assert kafka["gaps"] == [{"topic": TOPIC, "partition": 0, "from": 4, "to": 6, "missing": 3}]
    assert record["summary"]["kafka_messages_loaded"] == 17
    assert record["summary"]["kafka_gaps"] == 1
    in_bronze = place.query(
        f'select "partition", count(*) from bronze.{TOPIC_TABLE} group by 1 order by 1'
    )
    assert in_bronze == [(0, 7), (1, 10)]
    bronze = {(p["topic"], p["partition"]): p["messages"] for p in kafka["bronze"]}
    assert bronze == {(TOPIC, 0): 7, (TOPIC, 1): 10}


def test_the_report_warns_of_the_gap(first: Command) -> None:
    html = first.report_html()

    assert 'id="kafka-gaps" class="warning"' in html
    assert "Possible data loss: 1 gap in Kafka offsets" in html
    assert f'topic <span class="mono">{TOPIC}</span> partition 0: offsets 4-6 missing' in html
    assert 'id="kafka"' in html and "events-b.jsonl.gz" in html


def test_a_refresh_with_nothing_new_skips_the_build(
    first: Command, noop: Command, place: Place
) -> None:
    assert noop.returncode == 0, noop.stderr
    assert noop.stdout == ""  # JSON logs: everything is on stderr
    lines = noop.json_lines()
    steps = {line["step"]: line for line in lines if "step" in line}
    assert list(steps) == [
        "start-up",
        "ingest",
        "up-to-date check",
        "dbt build",
        "erasure",
        "exports",
        "record",
    ]
    assert steps["ingest"]["counts"]["files_loaded"] == 0
    assert steps["ingest"]["counts"]["kafka_messages_loaded"] == 0
    assert steps["up-to-date check"]["counts"]["changed"] is False
    assert all(steps[s]["status"] == "skipped" for s in ("dbt build", "erasure", "exports"))
    finished = lines[-1]
    assert finished["exit_code"] == 0 and finished["changed"] is False
    assert finished["status"] == "success"

    record = noop.record()
    assert record["status"] == "success" and record["command"] == "refresh"
    assert record["changed"] is False and record["unchanged_since"] is not None
    assert [step["name"] for step in record["steps"]] == ["ingest", "up-to-date check"]
    assert record["dbt"]["nodes"] == [] and record["outputs"] is None
    assert record["summary"]["rows_loaded"] == 0
    assert {f["change"] for f in record["inputs"]["files"]} == {"unchanged"}
    assert {f["change"] for f in record["kafka"]["files"]} == {"unchanged"}
    # The record still describes the warehouse: bronze, silver and the gap are as before.
    before = first.record()
    assert record["loads"]["rows_total"] == before["loads"]["rows_total"]
    assert record["reconciliation"] == before["reconciliation"]
    assert record["kafka"]["gaps"] == before["kafka"]["gaps"]


def test_the_nothing_new_refresh_takes_seconds(noop: Command) -> None:
    record = noop.record()
    steps: dict[str, Any] = {line["step"]: line for line in noop.json_lines() if "step" in line}
    work = record["duration_seconds"] + steps["record"]["seconds"]

    assert work < NOOP_SECONDS, (record["steps"], steps["record"])


def test_the_report_and_index_say_nothing_changed(noop: Command) -> None:
    html = noop.report_html()
    index = (noop.record_path().parents[2] / "index.html").read_text(encoding="utf-8")

    assert 'id="nothing-changed"' in html and "<h2>Nothing changed</h2>" in html
    assert "success · nothing changed" in html
    assert "(nothing changed)" in index


def test_new_input_is_built_then_nothing_changes_again(
    first: Command, noop: Command, place: Place, project: Path, landing: Path, dumps: Path
) -> None:
    source = sorted(landing.glob("date=*/hour=*/customers*"))[0]
    late = landing / "date=2020-02-01" / "hour=00" / source.name
    late.parent.mkdir(parents=True)
    shutil.copyfile(source, late)
    recorded = {f["path"]: f for f in first.record()["inputs"]["files"]}
    lines = recorded[source.relative_to(landing).as_posix()]["lines"]

    built = place.run(*refresh_args(landing, dumps), project=project)
    again = place.run(*refresh_args(landing, dumps), project=project)

    assert built.returncode == 0, built.stdout[-3000:] + built.stderr[-3000:]
    record = built.record()
    assert record["changed"] is True and record["unchanged_since"] is None
    assert record["summary"]["files_loaded"] == 1
    assert record["summary"]["rows_loaded"] == lines > 0
    assert record["dbt"]["nodes"] and record["outputs"] is not None
    assert "status: success" in built.stdout and "nothing changed" not in built.stdout
    assert again.returncode == 0, again.stderr
    assert again.record()["changed"] is False
    assert "status: success (nothing changed since the build of" in again.stdout
