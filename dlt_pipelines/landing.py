"""Scan a landing zone laid out as ``date=YYYY-MM-DD/hour=HH/<entity>.json[.gz]``.

Every path below the root ends up either as a :class:`LandingFile` to load or as a
:class:`SkippedPath` with the reason it is not loaded: nothing is ignored silently.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path

# File stem in the landing zone -> bronze table name.
ENTITY_TABLES: dict[str, str] = {
    "customers": "customers",
    "products": "products",
    "transactions": "transactions",
    "erasure-requests": "erasure_requests",
}
FILE_SUFFIXES = (".json.gz", ".json")

_DATE_FOLDER = re.compile(r"date=(?P<value>.*)")
_HOUR_FOLDER = re.compile(r"hour=(?P<value>.*)")


@dataclass(frozen=True)
class LandingFile:
    """One loadable file of the landing zone and the partition it belongs to."""

    path: Path
    relative_path: str
    entity: str
    table_name: str
    partition_date: dt.date
    partition_hour: int


@dataclass(frozen=True)
class SkippedPath:
    """A file or folder of the landing zone that is not loaded, with the reason."""

    relative_path: str
    reason: str


@dataclass(frozen=True)
class LandingScan:
    """What a scan found: files to consider for loading and paths skipped with reasons."""

    root: Path
    files: tuple[LandingFile, ...]
    skipped: tuple[SkippedPath, ...]


class LandingZoneError(Exception):
    """The landing root itself cannot be used (missing, not a folder, unreadable)."""


def parse_date_folder(name: str) -> dt.date | str:
    """Return the partition date of a ``date=YYYY-MM-DD`` folder name, or why it is invalid."""
    match = _DATE_FOLDER.fullmatch(name)
    if match is None:
        return "not a partition folder (expected date=YYYY-MM-DD)"
    value = match.group("value")
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        return f"invalid partition date {value!r} (expected YYYY-MM-DD)"
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        return f"invalid partition date {value!r} (no such calendar day)"


def parse_hour_folder(name: str) -> int | str:
    """Return the partition hour of an ``hour=HH`` folder name, or why it is invalid."""
    match = _HOUR_FOLDER.fullmatch(name)
    if match is None:
        return "not a partition folder (expected hour=HH)"
    value = match.group("value")
    if not re.fullmatch(r"\d{2}", value):
        return f"invalid partition hour {value!r} (expected two digits 00-23)"
    hour = int(value)
    if hour > 23:
        return f"invalid partition hour {value!r} (expected 00-23)"
    return hour


def classify_file_name(name: str) -> str | None:
    """Return the entity a landing file name holds (``customers.json.gz`` -> customers)."""
    for suffix in FILE_SUFFIXES:
        if name.endswith(suffix):
            stem = name[: -len(suffix)]
            return stem if stem in ENTITY_TABLES else None
    return None


def _relative(path: Path, root: Path) -> str:
    return path.relative_to(root).as_posix()


def scan_landing(root: Path) -> LandingScan:
    """Walk ``root`` and sort every entry into loadable files and skipped paths."""
    if not root.exists():
        raise LandingZoneError(f"landing root {root} does not exist")
    if not root.is_dir():
        raise LandingZoneError(f"landing root {root} is not a folder")
    files: list[LandingFile] = []
    skipped: list[SkippedPath] = []
    try:
        date_entries = sorted(root.iterdir())
    except OSError as error:
        raise LandingZoneError(f"landing root {root} cannot be read: {error.strerror}") from error

    for date_entry in date_entries:
        if not date_entry.is_dir():
            skipped.append(
                SkippedPath(_relative(date_entry, root), "file outside a date=/hour= partition")
            )
            continue
        partition_date = parse_date_folder(date_entry.name)
        if isinstance(partition_date, str):
            skipped.append(SkippedPath(_relative(date_entry, root), partition_date))
            continue
        for hour_entry in sorted(date_entry.iterdir()):
            if not hour_entry.is_dir():
                skipped.append(
                    SkippedPath(_relative(hour_entry, root), "file outside an hour= partition")
                )
                continue
            partition_hour = parse_hour_folder(hour_entry.name)
            if isinstance(partition_hour, str):
                skipped.append(SkippedPath(_relative(hour_entry, root), partition_hour))
                continue
            for file_entry in sorted(hour_entry.iterdir()):
                relative = _relative(file_entry, root)
                if file_entry.is_dir():
                    skipped.append(SkippedPath(relative, "unexpected folder inside a partition"))
                    continue
                entity = classify_file_name(file_entry.name)
                if entity is None:
                    skipped.append(
                        SkippedPath(
                            relative,
                            "unknown file name (expected "
                            + ", ".join(f"{name}.json[.gz]" for name in ENTITY_TABLES)
                            + ")",
                        )
                    )
                    continue
                files.append(
                    LandingFile(
                        path=file_entry,
                        relative_path=relative,
                        entity=entity,
                        table_name=ENTITY_TABLES[entity],
                        partition_date=partition_date,
                        partition_hour=partition_hour,
                    )
                )
    return LandingScan(root=root, files=tuple(files), skipped=tuple(skipped))
