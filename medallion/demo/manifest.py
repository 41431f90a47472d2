"""The manifest: what the generator wrote, i.e. what an ingest of the landing zone must find.

It is written next to the landing folder (``<out>.manifest.json``), never inside it, so the
ingest does not list it as an unknown file.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from medallion.demo.layout import ENTITIES

MANIFEST_FORMAT_VERSION = 1


def manifest_path(out: Path) -> Path:
    """``<out>.manifest.json``, a sibling of the landing folder."""
    resolved = out.resolve()
    return resolved.with_name(f"{resolved.name}.manifest.json")


@dataclass
class FileEntry:
    """One file the ingest should accept (valid folder, known entity name)."""

    entity: str
    lines: int
    invalid_lines: int
    gzip: bool
    truncated: bool = False


@dataclass
class EntityTotals:
    """Sums over an entity's accepted files."""

    files: int = 0
    lines: int = 0
    invalid_lines: int = 0


@dataclass(frozen=True)
class SkippedFile:
    """A file the ingest should skip: invalid partition folder or unknown file name."""

    path: str
    reason: str


@dataclass(frozen=True)
class BadInputItem:
    """One injected bad-input item; ``line`` is 1-based, ``None`` for file-level items."""

    kind: str
    path: str
    line: int | None


@dataclass
class Manifest:
    """Expected facts about a generated landing zone, computed from what was written.

    Counts of distinct keys cover well-formed rows only (rows injected as ``wrong_types`` are
    listed in ``bad_input`` instead). ``duplicates`` counts extra identical copies per entity;
    ``erased_customer_ids`` are the customers the erasure requests identify (by id, or for
    email-only requests by trimmed, case-insensitive email).
    """

    config: dict[str, Any]
    files: dict[str, FileEntry] = field(default_factory=dict)
    entities: dict[str, EntityTotals] = field(
        default_factory=lambda: {entity: EntityTotals() for entity in ENTITIES}
    )
    skipped: list[SkippedFile] = field(default_factory=list)
    bad_input: list[BadInputItem] = field(default_factory=list)
    erased_customer_ids: list[str] = field(default_factory=list)
    erasure_requests: int = 0
    distinct_customers: int = 0
    distinct_products: int = 0
    distinct_transactions: int = 0
    duplicates: dict[str, int] = field(default_factory=lambda: dict.fromkeys(ENTITIES, 0))
    customer_updates: int = 0
    updated_customer_ids: list[str] = field(default_factory=list)
    format_version: int = MANIFEST_FORMAT_VERSION

    def add_file(self, path: str, entry: FileEntry) -> None:
        """Record an accepted file and add it to its entity's totals."""
        self.files[path] = entry
        totals = self.entities.setdefault(entry.entity, EntityTotals())
        totals.files += 1
        totals.lines += entry.lines
        totals.invalid_lines += entry.invalid_lines

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict; files and lists sorted so the output is deterministic."""
        data = asdict(self)
        data["files"] = {path: data["files"][path] for path in sorted(data["files"])}
        data["skipped"] = sorted(data["skipped"], key=lambda s: s["path"])
        data["bad_input"] = sorted(
            data["bad_input"], key=lambda b: (b["path"], b["line"] or 0, b["kind"])
        )
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Manifest:
        """Inverse of :meth:`to_dict` (for readers of ``<out>.manifest.json``)."""
        return cls(
            config=data["config"],
            files={path: FileEntry(**entry) for path, entry in data["files"].items()},
            entities={name: EntityTotals(**t) for name, t in data["entities"].items()},
            skipped=[SkippedFile(**s) for s in data["skipped"]],
            bad_input=[BadInputItem(**b) for b in data["bad_input"]],
            erased_customer_ids=list(data["erased_customer_ids"]),
            erasure_requests=data["erasure_requests"],
            distinct_customers=data["distinct_customers"],
            distinct_products=data["distinct_products"],
            distinct_transactions=data["distinct_transactions"],
            duplicates=dict(data["duplicates"]),
            customer_updates=data["customer_updates"],
            updated_customer_ids=list(data["updated_customer_ids"]),
            format_version=data["format_version"],
        )

    def write(self, path: Path) -> None:
        """Write the manifest as indented JSON."""
        path.write_text(json.dumps(self.to_dict(), indent=2) + "\n", encoding="utf-8")

    @classmethod
    def read(cls, path: Path) -> Manifest:
        """Load a manifest written by :meth:`write`."""
        data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
        return cls.from_dict(data)
