"""The repository's own checks: lint, types and SQL style are part of the suite."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

PROJECT_DIR = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


@pytest.mark.parametrize(
    "command",
    [
        [str(BIN / "ruff"), "check", "."],
        [str(BIN / "ruff"), "format", "--check", "."],
        [str(BIN / "mypy")],
        [str(BIN / "sqlfluff"), "lint", "models", "macros", "snapshots", "tests/dbt"],
    ],
    ids=["ruff", "ruff-format", "mypy", "sqlfluff"],
)
def test_check_passes(command: list[str]) -> None:
    result = subprocess.run(command, cwd=PROJECT_DIR, capture_output=True, text=True, check=False)
    assert result.returncode == 0, f"{' '.join(command)}\n{result.stdout}\n{result.stderr}"
