"""Writes that are on disk when they return: what a later swap or a crash relies on."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any


def fsync_path(path: Path) -> None:
    """Flush the file or directory ``path`` to disk (a directory: the names in it)."""
    descriptor = os.open(path, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def write_json_durably(path: Path, document: Any) -> None:
    """Write ``document`` to ``path`` as indented JSON with sorted keys and a final newline,
    flushed to disk. Not atomic: for files of a staged folder that is swapped in afterwards."""
    with path.open("w", encoding="utf-8") as handle:
        handle.write(json.dumps(document, indent=1, sort_keys=True) + "\n")
        handle.flush()
        os.fsync(handle.fileno())
