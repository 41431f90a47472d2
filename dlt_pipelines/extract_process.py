"""dlt's extract of landing files, in a process of its own: the run's process never reads a
landing line.

DuckDB writes the unused tail of a column segment's buffer to the file as it finds it in
memory (duckdb/duckdb#23382, see ``medallion/warehouse_file.py``), so a process that has read a
clear line of an erased subject could later write some of its bytes into the warehouse. Here
a new interpreter reads, classifies and extracts the lines into dlt's load package, with the
lines of subjects erased earlier already anonymized (``anonymize.py``); the run's process then
normalizes and loads the package, and sees only what bronze will hold.

Parent side: ``ExtractProcess`` (or ``extract_in_process``), started before the plan is known
so that the child's imports overlap it. Child side: ``python -m dlt_pipelines.extract_process
PARENT_PID`` with a JSON request on standard input (nothing: not needed, it exits), answering
with JSON lines on standard output (progress per file, then ``done`` or ``error``). The child
dies with its parent (``PR_SET_PDEATHSIG``; before that is set, at the end of its imports, the
parent's death closes its standard input), so a killed run leaves at most a package that the
next run loads first (``finish_pending``) or an unfinished one that dlt discards.
"""

from __future__ import annotations

import ctypes
import dataclasses
import datetime as dt
import json
import os
import signal
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import IO, Any

from dlt.pipeline.exceptions import PipelineStepFailed

from dlt_pipelines.anonymize import ErasureAnonymizer
from dlt_pipelines.bronze import FileToLoad, ProgressCallback, landing_source
from dlt_pipelines.landing import LandingFile
from dlt_pipelines.lines import FileReadState
from dlt_pipelines.pipeline import open_pipeline

_PR_SET_PDEATHSIG = 1


class ExtractError(Exception):
    """The extract could not finish; the message is one line meant for the user."""


def _file_request(item: FileToLoad) -> dict[str, object]:
    landing = item.file
    return {
        "path": str(landing.path),
        "relative_path": landing.relative_path,
        "entity": landing.entity,
        "table_name": landing.table_name,
        "partition_date": landing.partition_date.isoformat(),
        "partition_hour": landing.partition_hour,
        "sha256": item.sha256,
        "change": item.change,
    }


def _file_to_load(data: dict[str, Any]) -> FileToLoad:
    landing = LandingFile(
        Path(data["path"]),
        data["relative_path"],
        data["entity"],
        data["table_name"],
        dt.date.fromisoformat(data["partition_date"]),
        int(data["partition_hour"]),
    )
    return FileToLoad(landing, data["sha256"], data["change"], FileReadState())


class ExtractProcess:
    """An extract process, started before its request is known so that its imports (~1 s, most
    of it dlt) overlap the ingest's planning. A context manager: leaving it stops a process
    that still runs, one that was never asked for anything included."""

    def __init__(self) -> None:
        # closed by close(), like the process: the object lives across the ingest's planning
        self._stderr = tempfile.TemporaryFile(mode="w+")  # noqa: SIM115
        self._process = subprocess.Popen(
            [sys.executable, "-m", "dlt_pipelines.extract_process", str(os.getpid())],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self._stderr,
            text=True,
        )

    def __enter__(self) -> ExtractProcess:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        """Stop the process if it still runs (this side failed, or it was never needed)."""
        if self._process.poll() is None:
            self._process.kill()
            self._process.wait()
        for stream in (self._process.stdin, self._process.stdout):
            if stream is not None and not stream.closed:
                stream.close()
        self._stderr.close()

    def extract(
        self,
        warehouse: Path,
        files: list[FileToLoad],
        anonymizer: ErasureAnonymizer | None,
        on_progress: ProgressCallback | None = None,
    ) -> None:
        """Extract ``files`` into the landing pipeline's load package (once per process).

        Fills in each file's ``read_state``, ``invalid_lines`` and ``anonymized_lines`` as the
        process reports them, and calls ``on_progress`` as lines are read. Raises
        ``ExtractError`` when the process fails.
        """
        request = {
            "warehouse": str(warehouse),
            "files": [_file_request(item) for item in files],
            "anonymizer": anonymizer.to_json() if anonymizer is not None else None,
        }
        process = self._process
        assert process.stdin is not None and process.stdout is not None
        try:
            process.stdin.write(json.dumps(request))
            process.stdin.close()
        except BrokenPipeError:  # it died before reading: its exit code says why, below
            pass
        try:
            done, error = _relay(process.stdout, files, on_progress)
            code = process.wait()
        finally:
            if process.poll() is None:  # this side failed: the child must not go on alone
                process.kill()
                process.wait()
        if done and code == 0:
            return
        self._stderr.seek(0)
        tail = [line.strip() for line in self._stderr.read().splitlines() if line.strip()]
        if error is not None:
            reason = error
        elif code < 0:  # e.g. the kernel's out-of-memory killer
            reason = f"the extract process was killed ({signal.Signals(-code).name})"
        else:
            reason = tail[-1] if tail else f"the extract process ended with exit code {code}"
        raise ExtractError(f"ingest failed at dlt step extract: {reason}")


def extract_in_process(
    warehouse: Path,
    files: list[FileToLoad],
    anonymizer: ErasureAnonymizer | None,
    on_progress: ProgressCallback | None = None,
) -> None:
    """Extract ``files`` into the landing pipeline's load package, in a new process
    (``ExtractProcess.extract``)."""
    with ExtractProcess() as process:
        process.extract(warehouse, files, anonymizer, on_progress)


def _relay(
    events: IO[str], files: list[FileToLoad], on_progress: ProgressCallback | None
) -> tuple[bool, str | None]:
    """Apply the child's events. Whether it reported done, and its error message if any."""
    for line in events:
        event = json.loads(line)
        if "error" in event:
            return False, str(event["error"])
        if "done" in event:
            done = event["done"]
            for item, invalid, anonymized in zip(
                files, done["invalid_lines"], done["anonymized_lines"], strict=True
            ):
                item.invalid_lines, item.anonymized_lines = int(invalid), int(anonymized)
            return True, None
        item = files[event["file"]]
        if event.get("read_state") is not None:
            item.read_state = FileReadState(**event["read_state"])
        if on_progress is not None:
            on_progress(item, int(event["lines"]))
    return False, None


def _die_with_parent(parent_pid: int) -> None:
    """Be killed when the parent dies: its lock no longer covers an orphaned extract."""
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != parent_pid:  # the parent died before the line above
        os._exit(1)


def main() -> int:
    """Carry out the request on standard input; report on the original standard output."""
    _die_with_parent(int(sys.argv[1]))
    raw_request = sys.stdin.read()
    if not raw_request.strip():  # started ahead, and not needed after all
        return 0
    request = json.loads(raw_request)
    # Events go to a copy of the original standard output; anything else printed goes to
    # standard error, so it cannot corrupt them.
    events = os.fdopen(os.dup(1), "w", buffering=1)
    os.dup2(2, 1)

    def report(event: dict[str, object]) -> None:
        events.write(json.dumps(event) + "\n")

    files = [_file_to_load(data) for data in request["files"]]
    index = {id(item): position for position, item in enumerate(files)}
    anonymizer = (
        ErasureAnonymizer.from_json(request["anonymizer"]) if request["anonymizer"] else None
    )

    def on_progress(item: FileToLoad, lines_read: int) -> None:
        state = item.read_state
        report(
            {
                "file": index[id(item)],
                "lines": lines_read,
                "read_state": dataclasses.asdict(state) if state.sha256 is not None else None,
            }
        )

    pipeline = open_pipeline(Path(request["warehouse"]))
    try:
        pipeline.extract(landing_source(files, on_progress=on_progress, anonymizer=anonymizer))
    except PipelineStepFailed as error:
        report({"error": str(error.exception).replace("\n", " ")})
        return 1
    report(
        {
            "done": {
                "invalid_lines": [item.invalid_lines for item in files],
                "anonymized_lines": [item.anonymized_lines for item in files],
            }
        }
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
