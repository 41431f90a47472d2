"""The run id and its fingerprint: what the run read (inputs, code, plan), as one short hash.

Two runs over the same landing files, with the same code and plan, share the fingerprint; the
run id adds the start time (``20260117T101143Z-3f2a9c0d1e7b``). The code version is read from
the files on disk, not from git, so a fresh clone or an unpacked archive fingerprints the same.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from medallion import __version__

FINGERPRINT_HEX = 12
RUN_ID_TIME_FORMAT = "%Y%m%dT%H%M%SZ"
# What decides what a run computes: the Python code, the dbt project and its configuration.
CODE_FOLDERS = ("medallion", "dlt_pipelines", "models", "macros", "snapshots", "seeds")
CODE_SUFFIXES = (".py", ".sql", ".yml")
CODE_FILES = ("dbt_project.yml", "selectors.yml")


@dataclass(frozen=True)
class Fingerprint:
    """The fingerprint and the three digests it is made of (full SHA-256 hex)."""

    value: str
    inputs_sha256: str
    code_sha256: str
    plan_sha256: str

    def to_dict(self) -> dict[str, str]:
        """The YAML-ready form."""
        return {
            "value": self.value,
            "inputs_sha256": self.inputs_sha256,
            "code_sha256": self.code_sha256,
            "plan_sha256": self.plan_sha256,
        }


def _digest(parts: Iterable[str]) -> str:
    """SHA-256 of the parts, each terminated by a newline (paths and hex never hold one)."""
    digest = hashlib.sha256()
    for part in parts:
        digest.update(part.encode("utf-8"))
        digest.update(b"\n")
    return digest.hexdigest()


def code_files(project_dir: Path) -> list[Path]:
    """The tracked project sources that define a run, sorted by their relative path."""
    found = [project_dir / name for name in CODE_FILES if (project_dir / name).is_file()]
    for folder in CODE_FOLDERS:
        root = project_dir / folder
        if root.is_dir():
            found.extend(
                path
                for path in root.rglob("*")
                if path.suffix in CODE_SUFFIXES
                and path.is_file()
                and "__pycache__" not in path.parts
            )
    return sorted(found, key=lambda path: path.relative_to(project_dir).as_posix())


def code_sha256(project_dir: Path) -> str:
    """SHA-256 over the medallion version and every source file's (relative path, SHA-256)."""
    parts = [f"medallion {__version__}"]
    for path in code_files(project_dir):
        content = hashlib.sha256(path.read_bytes()).hexdigest()
        parts.append(f"{path.relative_to(project_dir).as_posix()} {content}")
    return _digest(parts)


def inputs_sha256(files: Iterable[tuple[str, str]]) -> str:
    """SHA-256 over the sorted (landing-relative path, file SHA-256) pairs."""
    return _digest(f"{path} {sha256}" for path, sha256 in sorted(files))


def plan_sha256(plan: str | None, marts: Sequence[str], exports: bool) -> str:
    """SHA-256 of what the run was asked to build and publish."""
    return _digest([json.dumps({"plan": plan, "marts": list(marts), "exports": exports})])


def fingerprint(
    files: Iterable[tuple[str, str]],
    project_dir: Path,
    plan: str | None,
    marts: Sequence[str],
    exports: bool,
) -> Fingerprint:
    """The fingerprint of a run over ``files`` ((path, SHA-256) pairs) with this code and plan."""
    inputs = inputs_sha256(files)
    code = code_sha256(project_dir)
    asked = plan_sha256(plan, marts, exports)
    value = _digest([inputs, code, asked])[:FINGERPRINT_HEX]
    return Fingerprint(value, inputs, code, asked)


def run_id(started_at: dt.datetime, print_: Fingerprint) -> str:
    """``<UTC start, YYYYmmddTHHMMSSZ>-<fingerprint>``."""
    return f"{started_at.astimezone(dt.UTC).strftime(RUN_ID_TIME_FORMAT)}-{print_.value}"
