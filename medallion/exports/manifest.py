"""A published mart's manifest: per file, the content fingerprint it was written from.

It lives in the mart's folder (``<export_root>/<mart>/.manifest.json``; readers of Parquet
datasets skip hidden files) and is staged and swapped in together with the files, so it
always describes exactly the files beside it. Its bytes depend only on the data, the
contract and the writer (no times, no counts of what was reused), so an export that reused
files is byte-identical to one written from scratch, manifest included.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from medallion.durable import write_json_durably
from medallion.exports.report import ExportedColumn, ExportedFile

MANIFEST_NAME = ".manifest.json"
MANIFEST_FORMAT = 1


@dataclass(frozen=True)
class ManifestEntry:
    """One published file: where (relative to the mart's folder), what it holds, its bytes."""

    path: str
    fingerprint: str
    rows: int
    size: int
    sha256: str
    columns: tuple[ExportedColumn, ...]

    def exported(self, mart: str) -> ExportedFile:
        """The file as the export report lists it (path relative to the export root)."""
        return ExportedFile(f"{mart}/{self.path}", self.rows, self.columns, self.sha256)


@dataclass(frozen=True)
class Manifest:
    """What a published mart folder holds, and the signature it was written under."""

    mart: str
    signature: str
    entries: tuple[ManifestEntry, ...]

    def by_path(self) -> dict[str, ManifestEntry]:
        """The entries by their path."""
        return {entry.path: entry for entry in self.entries}


def _entry(raw: Mapping[str, Any]) -> ManifestEntry:
    columns = tuple(ExportedColumn(str(c["name"]), str(c["type"])) for c in raw["columns"])
    entry = ManifestEntry(
        path=str(raw["path"]),
        fingerprint=str(raw["fingerprint"]),
        rows=int(raw["rows"]),
        size=int(raw["size"]),
        sha256=str(raw["sha256"]),
        columns=columns,
    )
    if Path(entry.path).is_absolute() or ".." in Path(entry.path).parts:
        raise ValueError(f"manifest path outside the mart folder: {entry.path}")
    return entry


def read_manifest(folder: Path) -> Manifest | None:
    """The manifest of the published mart folder ``folder``; None when absent or unreadable.

    An unreadable manifest only means nothing can be reused: the mart is written afresh.
    """
    try:
        raw = json.loads((folder / MANIFEST_NAME).read_text(encoding="utf-8"))
        if raw.get("format") != MANIFEST_FORMAT:
            return None
        return Manifest(
            mart=str(raw["mart"]),
            signature=str(raw["signature"]),
            entries=tuple(_entry(entry) for entry in raw["files"]),
        )
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None


def write_manifest(folder: Path, manifest: Manifest) -> None:
    """Write ``manifest`` into the (staged) mart folder ``folder``, flushed to disk."""
    document = {
        "format": MANIFEST_FORMAT,
        "mart": manifest.mart,
        "signature": manifest.signature,
        "files": [
            {
                "path": entry.path,
                "fingerprint": entry.fingerprint,
                "rows": entry.rows,
                "size": entry.size,
                "sha256": entry.sha256,
                "columns": [{"name": c.name, "type": c.type} for c in entry.columns],
            }
            for entry in manifest.entries
        ],
    }
    write_json_durably(folder / MANIFEST_NAME, document)
