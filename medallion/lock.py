"""One writer per warehouse: a lock held for a whole command (ingest, build, run).

DuckDB's own file lock only covers the moments a connection is open, so two runs could
interleave between their steps; an advisory lock on ``<warehouse>.lock`` covers all of it.
The kernel releases it when the process ends, however it ends.
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


class WarehouseBusyError(Exception):
    """Another medallion process holds the warehouse; the message is one line."""


def lock_file(warehouse: Path) -> Path:
    """The lock file of a warehouse, beside it."""
    return warehouse.with_suffix(".lock")


@contextmanager
def exclusive_warehouse(warehouse: Path) -> Iterator[None]:
    """Hold the warehouse's lock, or raise at once when another process holds it."""
    path = lock_file(warehouse)
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        holder = os.pread(descriptor, 32, 0).decode(errors="replace").strip() or "unknown"
        os.close(descriptor)
        raise WarehouseBusyError(
            f"warehouse {warehouse} is in use by another process (medallion pid {holder});"
            " try again when it ends"
        ) from None
    try:
        os.ftruncate(descriptor, 0)
        os.pwrite(descriptor, f"{os.getpid()}\n".encode(), 0)
        yield
    finally:
        fcntl.flock(descriptor, fcntl.LOCK_UN)
        os.close(descriptor)
