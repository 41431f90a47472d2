"""Find the Kafka dump files below a folder and tell the two layouts apart.

* ``kcat -C -J`` output: any ``*.json``, ``*.jsonl`` or ``*.ndjson`` file (gzipped or
  not, ``.gz`` appended) outside the Connect folder; one JSON envelope per line.
* Kafka Connect sink layout: ``<topics_dir>/<topic>/partition=<p>/<topic>+<p>+<start>.json[.gz]``
  (``topics_dir`` is ``topics`` by default), one value per line.

Every file below the root is either a :class:`DumpFile` or a skipped path with the
reason; hidden entries (``.name``) are skipped silently, like Connect's own temp files.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from dlt_pipelines.landing import SkippedPath

KCAT = "kcat"
CONNECT = "connect"
KCAT_SUFFIXES = (".json", ".jsonl", ".ndjson")
_CONNECT_NAME = re.compile(
    r"(?P<topic>[A-Za-z0-9._-]+)\+(?P<partition>[0-9]+)\+(?P<offset>[0-9]+)\.json(?:\.gz)?"
)
_PARTITION_FOLDER = re.compile(r"partition=(?P<partition>[0-9]+)")


@dataclass(frozen=True)
class DumpFile:
    """One dump file to read; Connect files know their topic, partition and first offset."""

    path: Path
    relative_path: str
    layout: str  # kcat | connect
    topic: str | None = None
    partition: int | None = None
    start_offset: int | None = None


@dataclass(frozen=True)
class DumpScan:
    """The dump files below a root, in load order, and the paths skipped with reasons."""

    root: Path
    files: tuple[DumpFile, ...]
    skipped: tuple[SkippedPath, ...]


class DumpRootError(Exception):
    """The dump root itself cannot be used."""


def _connect_file(path: Path, relative: str, parts: tuple[str, ...]) -> DumpFile | str:
    """A Connect dump file from its path parts below the topics folder, or why not."""
    if len(parts) != 3:
        return "not in <topic>/partition=<p>/ of the Kafka Connect layout"
    topic, partition_folder, name = parts
    folder = _PARTITION_FOLDER.fullmatch(partition_folder)
    match = _CONNECT_NAME.fullmatch(name)
    if folder is None:
        return "not in a partition=<p> folder of the Kafka Connect layout"
    if match is None:
        return "unknown file name (expected <topic>+<partition>+<start offset>.json[.gz])"
    if match.group("topic") != topic or int(match.group("partition")) != int(
        folder.group("partition")
    ):
        return "file name does not match its topic and partition folders"
    return DumpFile(
        path, relative, CONNECT, topic, int(match.group("partition")), int(match.group("offset"))
    )


def _is_kcat_name(name: str) -> bool:
    base = name.removesuffix(".gz")
    return base.endswith(KCAT_SUFFIXES)


def _load_order(dump: DumpFile) -> tuple[str, int, str]:
    # Connect files of a partition in offset order (names sort 10 before 9), the rest by path.
    parent = dump.relative_path.rpartition("/")[0]
    start = dump.start_offset if dump.start_offset is not None else -1
    return parent, start, dump.relative_path


def scan_dumps(root: Path, connect_topics_dir: str = "topics") -> DumpScan:
    """Walk ``root`` and sort every file into dump files and skipped paths."""
    if not root.is_dir():
        raise DumpRootError(f"dump root {root} does not exist or is not a folder")
    files: list[DumpFile] = []
    skipped: list[SkippedPath] = []
    for path in sorted(root.rglob("*")):
        relative_parts = path.relative_to(root).parts
        if any(part.startswith(".") for part in relative_parts) or path.is_dir():
            continue
        relative = path.relative_to(root).as_posix()
        if relative_parts[0] == connect_topics_dir:
            found = _connect_file(path, relative, relative_parts[1:])
            if isinstance(found, str):
                skipped.append(SkippedPath(relative, found))
            else:
                files.append(found)
        elif _is_kcat_name(path.name):
            files.append(DumpFile(path, relative, KCAT))
        else:
            skipped.append(
                SkippedPath(
                    relative,
                    "unknown file name (expected a kcat -J dump *.json, *.jsonl or *.ndjson"
                    f" [.gz], or the Connect layout under {connect_topics_dir}/)",
                )
            )
    return DumpScan(root, tuple(sorted(files, key=_load_order)), tuple(skipped))
