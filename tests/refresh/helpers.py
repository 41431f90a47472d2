"""Helpers of the refresh tests: a frozen copy of the project, commands, and Kafka dumps.

Every command runs a copy of the project (``copy_project``): the build state remembers the
code's digest, so the code must not change between two commands of a test, whatever other
people edit in the repository meanwhile.
"""

from __future__ import annotations

import gzip
import json
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import yaml

from medallion.demo.streams.kcat import TopicMessage, assign_offsets, write_kcat_dump
from medallion.record.schema import schema_errors
from tests.conftest import query_warehouse
from tests.records.helpers import environment, medallion

TOPIC = "refresh_events"
TOPIC_TABLE = "kafka_refresh_events"
PLAN = "quality"  # a smaller build than all marts, for speed
FIRST_MESSAGE_MS = 1_577_836_800_000  # 2020-01-01T00:00:00Z


@dataclass(frozen=True)
class Place:
    """One warehouse of a test: its file, reports root and dbt working folder."""

    warehouse: Path
    reports: Path
    workdir: Path

    @classmethod
    def under(cls, folder: Path) -> Place:
        """A fresh place in ``folder``."""
        (folder / "warehouse").mkdir(parents=True, exist_ok=True)
        return cls(folder / "warehouse" / "medallion.duckdb", folder / "reports", folder)

    def env(self) -> dict[str, str]:
        """The environment of a command on this warehouse."""
        return environment(self.warehouse, self.reports, self.workdir)

    def run(self, *args: str, project: Path, timeout: float = 600) -> Command:
        """``medallion <args>`` (a copy of the project) on this warehouse."""
        completed = medallion(
            *args,
            warehouse=self.warehouse,
            reports=self.reports,
            workdir=self.workdir,
            project_dir=project,
            timeout=timeout,
        )
        return Command(completed.returncode, completed.stdout, completed.stderr)

    def popen(self, *args: str, project: Path) -> subprocess.Popen[str]:
        """``medallion <args>`` started in the background."""
        return subprocess.Popen(
            [sys.executable, "-m", "medallion.cli", *args],
            cwd=project,
            env=self.env(),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )

    def query(self, sql: str) -> list[tuple[Any, ...]]:
        """Rows of ``sql`` on a read-only connection."""
        return query_warehouse(self.warehouse, sql)

    def row_counts(self, schemas: tuple[str, ...]) -> dict[str, int]:
        """Rows of every base table of ``schemas`` (``schema.table`` -> rows)."""
        with duckdb.connect(str(self.warehouse), read_only=True) as connection:
            tables = connection.execute(
                "select table_schema, table_name from information_schema.tables "
                "where table_type = 'BASE TABLE' and table_schema in "
                f"({', '.join('?' for _ in schemas)}) order by 1, 2",
                list(schemas),
            ).fetchall()
            counts = {}
            for schema, table in tables:
                row = connection.execute(f'select count(*) from {schema}."{table}"').fetchone()
                counts[f"{schema}.{table}"] = int(row[0]) if row else 0
        return counts


def demo_landing(root: Path, project: Path) -> Path:
    """A small generated landing zone (one day, 200 transactions) at ``root / "landing"``."""
    folder = root / "landing"
    made = Place.under(root / "demo").run(
        "demo", "--out", str(folder), "--days", "1", "--transactions", "200", project=project
    )
    assert made.returncode == 0, made.stderr
    return folder


def read_lines(path: Path) -> list[str]:
    """The lines of a gzipped landing file."""
    with gzip.open(path, "rt", encoding="utf-8") as handle:
        return handle.read().splitlines()


def write_lines(path: Path, lines: list[str]) -> None:
    """Write ``lines`` as a gzipped landing file, its folders created."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with gzip.open(path, "wt", encoding="utf-8") as handle:
        handle.writelines(line + "\n" for line in lines)


@dataclass(frozen=True)
class Command:
    """A finished command: exit code and output."""

    returncode: int
    stdout: str
    stderr: str

    def json_lines(self) -> list[dict[str, Any]]:
        """stderr as JSON log lines (every line must be one JSON object)."""
        lines = [json.loads(line) for line in self.stderr.splitlines() if line.strip()]
        assert all(isinstance(line, dict) for line in lines)
        return lines

    def record_path(self) -> Path:
        """The metadata.yaml the command wrote (from the text or the JSON logs)."""
        for line in self.stdout.splitlines():
            if line.startswith("run record: "):
                return Path(line.removeprefix("run record: ").strip())
        for line in self.stderr.splitlines():
            if line.startswith("{") and '"record"' in line:
                found = json.loads(line).get("record")
                if found:
                    return Path(found)
        raise AssertionError(f"no run record path in the output:\n{self.stdout}\n{self.stderr}")

    def record(self) -> dict[str, Any]:
        """The command's run record, checked against the JSON Schema."""
        record = yaml.safe_load(self.record_path().read_text(encoding="utf-8"))
        assert isinstance(record, dict)
        assert schema_errors(record) == [], schema_errors(record)
        return record

    def report_html(self) -> str:
        """The command's report.html."""
        return (self.record_path().parent / "report.html").read_text(encoding="utf-8")


def write_dumps(folder: Path) -> dict[str, Path]:
    """Two kcat dumps of one topic with two partitions, written as ``kcat -C -J`` does.

    Partition 0 holds offsets 0-3 and 7-9 (4-6 never dumped: a gap, possible data loss);
    partition 1 holds 0-9, written newest first (an out-of-order dump). The second file
    repeats offsets 2-3 of partition 0 (two overlaps). The first file ends with a line that
    is not a kcat envelope (one rejected line).
    """
    messages = assign_offsets(
        TopicMessage(
            TOPIC,
            partition,
            f"key-{partition}-{i}",
            json.dumps({"event_id": f"{partition}-{i}", "n": i}),
            FIRST_MESSAGE_MS + i * 1000,
        )
        for partition in (0, 1)
        for i in range(10)
    )
    by_offset = {(m.partition, m.offset): m for m in messages}
    first = [by_offset[(0, o)] for o in (0, 1, 2, 3)]
    first += [by_offset[(1, o)] for o in range(9, -1, -1)]
    second = [by_offset[(0, o)] for o in (2, 3, 7, 8, 9)]
    paths = {"first": folder / "events-a.jsonl", "second": folder / "events-b.jsonl.gz"}
    write_kcat_dump(paths["first"], first)
    with paths["first"].open("a", encoding="utf-8") as handle:
        handle.write("this line is not a kcat envelope\n")
    write_kcat_dump(paths["second"], second)
    return paths
