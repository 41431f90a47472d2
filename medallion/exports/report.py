"""What an export did: per mart, its status, files (rows, columns, SHA-256) and error."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

MartStatus = Literal["published", "failed_validation", "missing"]


@dataclass(frozen=True)
class ExportedColumn:
    """A column of an exported Parquet file and its Arrow type (e.g. ``decimal128(18, 3)``)."""

    name: str
    type: str


@dataclass(frozen=True)
class ExportedFile:
    """One Parquet file of a published mart."""

    path: str
    """Path relative to the export root, with ``/`` separators."""
    rows: int
    columns: tuple[ExportedColumn, ...]
    sha256: str


@dataclass(frozen=True)
class MartExport:
    """The outcome for one mart.

    ``published``: its files replaced the previous export. ``failed_validation``: the data broke
    the mart's contract; nothing was written and the previous export (if any) is untouched;
    ``error`` says which checks failed, on how many rows, without any value. ``missing``: the
    mart is not in the warehouse (not built); the previous export (if any) is untouched.

    ``files_written`` + ``files_reused`` = ``len(files)`` when published: the files (one per
    partition, or the one file of an unpartitioned mart) written from the warehouse, and
    those whose content had not changed since the previous export and were carried over.
    """

    mart: str
    status: MartStatus
    files: tuple[ExportedFile, ...] = ()
    error: str | None = None
    files_written: int = 0
    files_reused: int = 0

    @property
    def rows(self) -> int:
        """Rows published (0 unless published)."""
        return sum(exported.rows for exported in self.files)


@dataclass(frozen=True)
class ExportReport:
    """The outcome of one ``publish_exports`` call, mart by mart in export order."""

    export_root: Path
    marts: tuple[MartExport, ...]

    def mart(self, name: str) -> MartExport:
        """The outcome for mart ``name`` (KeyError when it was not part of the export)."""
        for outcome in self.marts:
            if outcome.mart == name:
                return outcome
        raise KeyError(name)

    def with_status(self, status: MartStatus) -> tuple[str, ...]:
        """Names of the marts with ``status``."""
        return tuple(outcome.mart for outcome in self.marts if outcome.status == status)

    @property
    def ok(self) -> bool:
        """True when every mart was published."""
        return all(outcome.status == "published" for outcome in self.marts)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready form (paths relative to the export root)."""
        return {
            "export_root": str(self.export_root),
            "marts": [
                {
                    "mart": outcome.mart,
                    "status": outcome.status,
                    "error": outcome.error,
                    "files_written": outcome.files_written,
                    "files_reused": outcome.files_reused,
                    "files": [
                        {
                            "path": exported.path,
                            "rows": exported.rows,
                            "sha256": exported.sha256,
                            "columns": [
                                {"name": column.name, "type": column.type}
                                for column in exported.columns
                            ],
                        }
                        for exported in outcome.files
                    ],
                }
                for outcome in self.marts
            ],
        }
