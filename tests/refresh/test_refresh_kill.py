"""A refresh killed during its dbt build is completed by the next one, and two refreshes
started together do not both work.

Warehouse A: one uninterrupted ``medallion run``. Warehouse B: a refresh over the same landing
zone killed with SIGKILL while dbt builds silver, then two refreshes started at the same moment:
one exits 75 at once, naming the holder, the other builds what was owed. B then holds exactly
what A holds, bronze not doubled.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.refresh.helpers import PLAN, Command, Place, demo_landing

pytestmark = pytest.mark.slow

SILVER_CREATED = re.compile(r"OK created sql \w+ model silver\.")


@pytest.fixture(scope="module")
def landing(root: Path, project: Path) -> Path:
    return demo_landing(root, project)


def refresh_args(landing: Path) -> tuple[str, ...]:
    return ("--log-format", "json", "refresh", "--landing", str(landing), "--plan", PLAN)


@pytest.fixture(scope="module")
def reference_started(
    root: Path, project: Path, landing: Path
) -> Iterator[tuple[Place, subprocess.Popen[str]]]:
    """Warehouse A: one uninterrupted run, started in the background (it runs while B is
    interrupted and resumed)."""
    place = Place.under(root / "a")
    process = place.popen("run", "--landing", str(landing), "--plan", PLAN, project=project)
    yield place, process
    if process.poll() is None:
        process.kill()
        process.communicate()


@pytest.fixture(scope="module")
def reference(reference_started: tuple[Place, subprocess.Popen[str]]) -> Place:
    """Warehouse A once its run has ended."""
    place, process = reference_started
    out, err = process.communicate(timeout=600)
    assert process.returncode == 0, out[-3000:] + err[-3000:]
    return place


def kill_during_dbt(place: Place, project: Path, landing: Path, in_build: bool = True) -> str:
    """Start a refresh, SIGKILL it once dbt has created a silver model; return its stderr.

    On a first load the ingest step runs dbt too, to apply the erasure requests first
    (medallion/requests_first.py): ``in_build`` waits for the dbt build after the ingest
    step's log line, else the kill comes in that first dbt run, inside the ingest step.
    """
    process = place.popen(*refresh_args(landing), project=project)
    assert process.stderr is not None
    stderr_lines: list[str] = []

    def read_stderr() -> None:
        assert process.stderr is not None
        for line in process.stderr:
            stderr_lines.append(line)

    reader = threading.Thread(target=read_stderr, daemon=True)
    reader.start()
    dbt_log = place.workdir / "logs" / "dbt.log"
    deadline = time.monotonic() + 300
    created_before_build: int | None = None
    try:
        while True:
            assert process.poll() is None, "the refresh ended before dbt built silver"
            assert time.monotonic() < deadline, "dbt never built a silver model"
            created = len(SILVER_CREATED.findall(dbt_log.read_text())) if dbt_log.is_file() else 0
            if not in_build:
                assert not any('"step": "ingest"' in line for line in list(stderr_lines))
                if created:
                    break
            elif created_before_build is None:
                if any('"step": "ingest"' in line for line in list(stderr_lines)):
                    created_before_build = created
            elif created > created_before_build:
                break
            time.sleep(0.1)
        os.kill(process.pid, signal.SIGKILL)
    finally:
        process.wait(timeout=60)
        reader.join(timeout=60)
    assert process.returncode == -signal.SIGKILL
    return "".join(stderr_lines)


@pytest.fixture(scope="module")
def interrupted(
    root: Path,
    project: Path,
    landing: Path,
    reference_started: tuple[Place, subprocess.Popen[str]],
) -> tuple[Place, str]:
    """Warehouse B after a refresh killed during its dbt step."""
    place = Place.under(root / "b")
    return place, kill_during_dbt(place, project, landing)


@pytest.fixture(scope="module")
def killed_applying_requests(
    root: Path,
    project: Path,
    landing: Path,
    reference_started: tuple[Place, subprocess.Popen[str]],
) -> Place:
    """Warehouse C after a refresh killed while it applied the erasure requests first."""
    place = Place.under(root / "c")
    kill_during_dbt(place, project, landing, in_build=False)
    return place


@pytest.fixture(scope="module")
def together(
    interrupted: tuple[Place, str], project: Path, landing: Path
) -> tuple[Command, Command]:
    """Two refreshes of B started at the same moment: (the one that worked, the busy one)."""
    place, _ = interrupted
    processes = [place.popen(*refresh_args(landing), project=project) for _ in range(2)]
    started = time.monotonic()
    finished: dict[int, tuple[Command, float]] = {}
    while len(finished) < 2:
        for index, process in enumerate(processes):
            if index not in finished and process.poll() is not None:
                out, err = process.communicate()
                finished[index] = (
                    Command(process.returncode, out, err),
                    time.monotonic() - started,
                )
        assert time.monotonic() - started < 600
        time.sleep(0.05)
    by_exit = sorted(finished.values(), key=lambda done: done[0].returncode == 75)
    (worked, _), (busy, busy_seconds) = by_exit
    assert busy.returncode == 75, by_exit
    assert busy_seconds < 20  # at once: start-up only, no waiting for the other
    return worked, busy


def test_the_killed_refresh_left_the_build_owed(interrupted: tuple[Place, str]) -> None:
    place, stderr = interrupted
    # JSON log lines only: a helper process of the killed one may add a warning of its own.
    logged = [json.loads(line) for line in stderr.splitlines() if line.startswith("{")]
    steps = [line.get("step") for line in logged]

    assert "ingest" in steps and "dbt build" not in steps  # killed inside the dbt step
    assert not (place.reports / "runs").exists()  # no record: it never finished
    state = place.query(
        "select count(*) from information_schema.tables"
        " where table_schema = 'medallion_state' and table_name = 'build_state'"
    )
    assert state == [(0,)]  # no successful build was ever recorded (the ingest kept checksums)


def test_one_of_two_refreshes_started_together_exits_75(
    together: tuple[Command, Command],
) -> None:
    _, busy = together
    lines = busy.json_lines()

    assert busy.stdout == ""
    assert len(lines) == 1 and lines[0]["level"] == "error" and lines[0]["exit_code"] == 75
    message = lines[0]["message"]
    assert "is in use by another process (medallion pid" in message
    if "pid unknown" not in message:  # the holder had not written its pid yet: rare
        assert "(holder: medallion --log-format json refresh --landing" in message
    assert "Traceback" not in busy.stderr


def test_the_next_refresh_completes_the_owed_build(
    together: tuple[Command, Command], interrupted: tuple[Place, str], reference: Place
) -> None:
    worked, _ = together
    place, _ = interrupted

    assert worked.returncode == 0, worked.stderr[-4000:]
    record = worked.record()
    assert record["status"] == "success" and record["changed"] is True
    assert record["dbt"]["nodes"] and record["summary"]["rows_loaded"] == 0  # loaded before
    assert place.row_counts(("bronze",)) == reference.row_counts(("bronze",))  # not doubled
    silver_gold = place.row_counts(("silver", "gold"))
    assert silver_gold == reference.row_counts(("silver", "gold"))
    assert silver_gold["silver.int_customers__checked"] > 0


def test_a_refresh_killed_applying_the_requests_first_is_completed(
    killed_applying_requests: Place, project: Path, landing: Path, reference: Place
) -> None:
    place = killed_applying_requests
    assert place.query("select count(*) from bronze.erasure_requests")[0][0] > 0
    bronze = {
        name
        for (name,) in place.query(
            "select table_name from information_schema.tables where table_schema = 'bronze'"
        )
    }
    if "transactions" in bronze:  # killed before the ingest of the other files
        assert place.query("select count(*) from bronze.transactions") == [(0,)]

    worked = place.run(*refresh_args(landing), project=project)

    assert worked.returncode == 0, worked.stderr[-4000:]
    assert worked.record()["status"] == "success"
    assert place.row_counts(("bronze",)) == reference.row_counts(("bronze",))
    assert place.row_counts(("silver", "gold")) == reference.row_counts(("silver", "gold"))
