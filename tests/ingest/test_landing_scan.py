"""Which landing paths are loaded, and why the others are not."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from dlt_pipelines.landing import LandingZoneError, scan_landing


def touch(root: Path, relative: str) -> None:
    path = root / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"")


def test_valid_files_are_found_with_their_partition(tmp_path: Path) -> None:
    touch(tmp_path, "date=2020-01-02/hour=07/customers.json.gz")
    touch(tmp_path, "date=2020-01-02/hour=07/erasure-requests.json")
    scan = scan_landing(tmp_path)
    assert [
        (f.relative_path, f.table_name, f.partition_date, f.partition_hour) for f in scan.files
    ] == [
        ("date=2020-01-02/hour=07/customers.json.gz", "customers", dt.date(2020, 1, 2), 7),
        (
            "date=2020-01-02/hour=07/erasure-requests.json",
            "erasure_requests",
            dt.date(2020, 1, 2),
            7,
        ),
    ]
    assert scan.skipped == ()


@pytest.mark.parametrize(
    ("relative", "skipped_path", "reason_part"),
    [
        ("date=2020-02-30/hour=00/customers.json.gz", "date=2020-02-30", "no such calendar day"),
        ("date=2020-1-05/hour=00/customers.json.gz", "date=2020-1-05", "expected YYYY-MM-DD"),
        ("date=2020-01-01/hour=24/customers.json.gz", "date=2020-01-01/hour=24", "expected 00-23"),
        ("date=2020-01-01/hour=7/customers.json.gz", "date=2020-01-01/hour=7", "two digits"),
        ("misc/customers.json.gz", "misc", "not a partition folder"),
        (
            "date=2020-01-01/hour=00/orders.json.gz",
            "date=2020-01-01/hour=00/orders.json.gz",
            "unknown file name",
        ),
        (
            "date=2020-01-01/hour=00/notes.txt",
            "date=2020-01-01/hour=00/notes.txt",
            "unknown file name",
        ),
        (
            "date=2020-01-01/hour=00/sub/customers.json",
            "date=2020-01-01/hour=00/sub",
            "unexpected folder",
        ),
        ("README.md", "README.md", "outside a date=/hour= partition"),
    ],
)
def test_invalid_paths_are_listed_with_a_reason(
    tmp_path: Path, relative: str, skipped_path: str, reason_part: str
) -> None:
    touch(tmp_path, relative)
    scan = scan_landing(tmp_path)
    assert scan.files == ()
    assert [s.relative_path for s in scan.skipped] == [skipped_path]
    assert reason_part in scan.skipped[0].reason


def test_missing_root_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(LandingZoneError, match="does not exist"):
        scan_landing(tmp_path / "nope")
