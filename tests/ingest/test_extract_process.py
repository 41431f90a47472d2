"""The landing lines are read by an extract process of the ingest's own, which dies with it.

An ingest killed while its extract process reads must not leave that process running: the
killed ingest's lock no longer covers it, so it could write a load package beside the next
ingest's and the same lines would be loaded twice. After the kill the next ingest loads every
line exactly once. A reading extract process also fails at its next progress report once its
parent is gone (the pipe is broken); the parent-death signal covers it between reports, which
the FIFO test shows: there the process waits for a file that never comes.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import duckdb
import pytest

from dlt_pipelines.bronze import FileToLoad
from dlt_pipelines.extract_process import ExtractError, ExtractProcess, extract_in_process
from dlt_pipelines.landing import ENTITY_TABLES, scan_landing
from dlt_pipelines.lines import FileReadState, file_sha256
from medallion.demo import DemoConfig, generate_landing_zone
from tests.conftest import MEDALLION, PROJECT_DIR, run_cli

EXTRACT_MODULE = "dlt_pipelines.extract_process"


def processes_started_by(parent: int) -> list[tuple[int, str]]:
    """(pid, command line) of the live processes whose parent is ``parent``."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue
        # the fields after the command name, which may hold spaces: state, ppid, ...
        fields = stat.rsplit(")", 1)[1].split()
        if int(fields[1]) == parent and fields[0] != "Z":
            found.append((int(entry.name), cmdline))
    return found


def extract_processes(parent: int) -> list[int]:
    """The live extract processes ``parent`` started."""
    return [pid for pid, cmd in processes_started_by(parent) if EXTRACT_MODULE in cmd]


def wait_for(condition: Any, timeout: float) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.02)
    return condition()


def test_a_killed_ingest_takes_its_extract_process_along(tmp_path: Path) -> None:
    landing = tmp_path / "landing"
    generate_landing_zone(landing, DemoConfig(seed=5, days=1, transactions=200_000))
    manifest = json.loads((tmp_path / "landing.manifest.json").read_text())
    warehouse = tmp_path / "warehouse" / "medallion.duckdb"
    env = {**os.environ, "MEDALLION_WAREHOUSE": str(warehouse), "MEDALLION_ERASURE_SALT": "s"}
    ingest = subprocess.Popen(
        [*MEDALLION, "ingest", "--landing", str(landing)],
        cwd=PROJECT_DIR,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        extract = wait_for(
            lambda: extract_processes(ingest.pid),
            timeout=60,
        )
        assert extract, "the ingest started no extract process"
        # started ahead of the plan: kill the ingest once its extract process reads lines
        assert wait_for(lambda: reads_below(extract[0], landing), timeout=60), (
            "the extract process never opened a landing file"
        )
        assert ingest.poll() is None, "the ingest ended before it could be killed"
        os.kill(ingest.pid, signal.SIGKILL)
        ingest.wait()
        assert wait_for(lambda: not alive(extract[0]), timeout=10), (
            "the extract process outlived the ingest that started it"
        )
    finally:
        if ingest.poll() is None:
            ingest.kill()

    run_cli("ingest", "--landing", str(landing), warehouse=warehouse)
    with duckdb.connect(str(warehouse), read_only=True) as con:
        for entity, table in ENTITY_TABLES.items():
            rows = con.execute(f"select count(*) from bronze.{table}").fetchall()[0][0]
            assert rows == manifest["entities"][entity]["lines"], entity


def test_an_extract_that_fails_names_the_file(tmp_path: Path) -> None:
    """A file whose bytes are not those planned (it changed after it was hashed) stops the
    extract process, and the ingest gets one line naming the file."""
    landing = tmp_path / "landing"
    generate_landing_zone(landing, DemoConfig(seed=3, days=1, transactions=50))
    planned = scan_landing(landing).files[0]
    stale = FileToLoad(planned, "0" * 64, "new", FileReadState())
    with pytest.raises(ExtractError) as raised:
        extract_in_process(tmp_path / "warehouse" / "medallion.duckdb", [stale], None)
    message = str(raised.value)
    assert "\n" not in message
    assert message.startswith("ingest failed at dlt step extract: ")
    assert f"{planned.relative_path}: the file changed while it was being loaded" in message


PARENT_SCRIPT = """
import datetime as dt, sys
from pathlib import Path
from dlt_pipelines.bronze import FileToLoad
from dlt_pipelines.extract_process import ExtractError, extract_in_process
from dlt_pipelines.landing import LandingFile
from dlt_pipelines.lines import FileReadState, file_sha256

fifo, warehouse = Path(sys.argv[1]), Path(sys.argv[2])
landing = LandingFile(
    fifo, "date=2020-01-01/hour=00/customers.json", "customers", "customers", dt.date(2020, 1, 1), 0
)
try:
    extract_in_process(warehouse, [FileToLoad(landing, "0" * 64, "new", FileReadState())], None)
except ExtractError as error:
    print(error)
"""


def test_an_extract_process_between_reports_dies_with_its_parent(tmp_path: Path) -> None:
    fifo = tmp_path / "customers.json"
    os.mkfifo(fifo)  # opening it for reading blocks until a writer comes: none will
    parent = subprocess.Popen(
        [sys.executable, "-c", PARENT_SCRIPT, str(fifo), str(tmp_path / "w" / "medallion.duckdb")],
        cwd=PROJECT_DIR,
    )
    extract: list[int] = []
    try:
        extract = wait_for(
            lambda: extract_processes(parent.pid),
            timeout=60,
        )
        assert extract, "no extract process started"
        time.sleep(2)  # it has read its request and waits in open()
        assert parent.poll() is None
        os.kill(parent.pid, signal.SIGKILL)
        parent.wait()
        assert wait_for(lambda: not alive(extract[0]), timeout=10), "the extract process lives on"
    finally:
        if parent.poll() is None:
            parent.kill()
        for pid in extract:
            if alive(pid):
                os.kill(pid, signal.SIGKILL)


def reads_below(pid: int, folder: Path) -> bool:
    """Whether process ``pid`` has a file below ``folder`` open."""
    try:
        targets = [os.readlink(fd) for fd in Path(f"/proc/{pid}/fd").iterdir()]
    except OSError:
        return False
    return any(target.startswith(f"{folder}/") for target in targets)


def test_an_extract_process_that_was_not_needed_is_stopped() -> None:
    """Started ahead of the plan, the process is gone once the ingest leaves it unused."""
    with ExtractProcess():
        assert extract_processes(os.getpid())
    assert not extract_processes(os.getpid())


def test_an_extract_process_told_nothing_exits_quietly() -> None:
    """Its parent gone before it was asked anything (standard input closed, empty), the
    process ends with exit code 0 and writes nothing."""
    child = subprocess.run(
        [sys.executable, "-m", EXTRACT_MODULE, str(os.getpid())],
        cwd=PROJECT_DIR,
        input="",
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert (child.returncode, child.stdout, child.stderr) == (0, "", "")


def alive(pid: int) -> bool:
    """Whether ``pid`` runs (a zombie, dead but not yet reaped, does not)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def test_a_killed_extract_process_fails_the_ingest_with_one_line(tmp_path: Path) -> None:
    """When the extract process itself is killed (say, out of memory), the ingest stops with a
    one-line reason, not a traceback of the child."""
    fifo = tmp_path / "customers.json"
    os.mkfifo(fifo)
    parent = subprocess.Popen(
        [sys.executable, "-c", PARENT_SCRIPT, str(fifo), str(tmp_path / "w" / "medallion.duckdb")],
        cwd=PROJECT_DIR,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        extract = wait_for(
            lambda: extract_processes(parent.pid),
            timeout=60,
        )
        assert extract, "no extract process started"
        os.kill(extract[0], signal.SIGKILL)
        stdout, stderr = parent.communicate(timeout=60)
    finally:
        if parent.poll() is None:
            parent.kill()
    assert parent.returncode == 0, stderr
    assert stdout.strip() == (
        "ingest failed at dlt step extract: the extract process was killed (SIGKILL)"
    )


def test_a_failure_on_the_run_side_stops_the_extract_process(tmp_path: Path) -> None:
    """The run's side failing while the child reads (here its progress callback) kills the
    child: it must not finish a load package the failed run no longer accounts for."""
    landing = tmp_path / "landing"
    generate_landing_zone(landing, DemoConfig(seed=3, days=1, transactions=50))
    planned = [
        FileToLoad(found, file_sha256(found.path)[0], "new", FileReadState())
        for found in scan_landing(landing).files
    ]

    def fail(item: FileToLoad, lines: int) -> None:
        raise RuntimeError("the run's side failed")

    with pytest.raises(RuntimeError, match="the run's side failed"):
        extract_in_process(tmp_path / "warehouse" / "medallion.duckdb", planned, None, fail)
    assert not extract_processes(os.getpid())
