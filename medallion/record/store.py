"""Where run records live and how they are written: atomically, as YAML.

``<reports>/runs/<run_id>/metadata.yaml`` (with ``report.html`` and ``metrics.prom`` beside
it). A reader never sees a half-written file: each file is written to a temporary file in the
same folder, flushed to disk, then renamed over the old one.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml

# libyaml when PyYAML was built with it: ~8x faster on records of thousands of input files.
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_DUMPER = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
RUNS_FOLDER = "runs"
METADATA_FILE = "metadata.yaml"


def runs_dir(reports: Path) -> Path:
    """The folder holding one folder per run."""
    return reports / RUNS_FOLDER


def run_dir(reports: Path, run_id: str) -> Path:
    """The folder of run ``run_id``."""
    return runs_dir(reports) / run_id


def write_atomically(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` through a temporary file and ``os.replace``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        # mkstemp makes the file private; records are for everyone who can read the folder.
        os.chmod(temporary, 0o644)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def dump_record(record: dict[str, Any]) -> str:
    """The record as YAML, keys in the record's order."""
    return yaml.dump(record, Dumper=_DUMPER, sort_keys=False, allow_unicode=True, width=100)


def write_record(reports: Path, record: dict[str, Any]) -> Path:
    """Write ``record`` to its run folder; return the metadata.yaml path."""
    path = run_dir(reports, str(record["run_id"])) / METADATA_FILE
    write_atomically(path, dump_record(record))
    return path


def load_record(path: Path) -> dict[str, Any]:
    """A record read back from its metadata.yaml."""
    loaded = yaml.load(path.read_text(encoding="utf-8"), Loader=_LOADER)  # a safe loader
    if not isinstance(loaded, dict):
        raise ValueError(f"{path}: not a run record")
    return loaded


def record_paths(reports: Path) -> Iterator[Path]:
    """metadata.yaml of every run, newest first (run ids start with the UTC start time)."""
    folder = runs_dir(reports)
    if not folder.is_dir():
        return
    for run in sorted(folder.iterdir(), key=lambda p: p.name, reverse=True):
        candidate = run / METADATA_FILE
        if candidate.is_file():
            yield candidate
