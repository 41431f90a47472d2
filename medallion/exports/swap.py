"""Replace a published folder by a staged one atomically, so readers see old or new, never half.

The staged folder is written next to the target (same file system). When the target does not
exist yet, one rename publishes it. When it does, Linux's ``renameat2(RENAME_EXCHANGE)``
swaps the two folders in one step and the old one is removed afterwards; where that call is
not available, two renames are used (a reader may then briefly find no folder, but never a
mixture of old and new files).
"""

from __future__ import annotations

import ctypes
import os
import shutil
import sys
from pathlib import Path

from medallion.durable import fsync_path

_AT_FDCWD = -100
_RENAME_EXCHANGE = 2


def _exchange(first: Path, second: Path) -> bool:
    """Swap two paths atomically (Linux); False when the system cannot."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    renameat2.argtypes = [
        ctypes.c_int,
        ctypes.c_char_p,
        ctypes.c_int,
        ctypes.c_char_p,
        ctypes.c_uint,
    ]
    renameat2.restype = ctypes.c_int
    result = renameat2(
        _AT_FDCWD, os.fsencode(first), _AT_FDCWD, os.fsencode(second), _RENAME_EXCHANGE
    )
    if result == 0:
        return True
    error = ctypes.get_errno()
    if error in {22, 38, 95}:  # EINVAL, ENOSYS, EOPNOTSUPP: file system or kernel cannot
        return False
    raise OSError(error, os.strerror(error), str(first))


def replace_directory(staged: Path, target: Path) -> None:
    """Put ``staged`` in place of ``target`` (which may not exist) and remove the old folder."""
    fsync_path(staged)
    if not target.exists():
        os.rename(staged, target)
    elif _exchange(staged, target):
        shutil.rmtree(staged)  # now holds the previous export
    else:
        previous = target.with_name(f"{staged.name}.previous")
        os.rename(target, previous)
        os.rename(staged, target)
        shutil.rmtree(previous)
    fsync_path(target.parent)
