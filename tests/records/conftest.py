"""Fixtures of the run-record tests: headless Chromium (installed with apt-get when possible)."""

from __future__ import annotations

import os

import pytest

from tests.debian import apt_install
from tests.records.browser import find_browser


@pytest.fixture(scope="session")
def chromium() -> str:
    """The Chromium executable; installed when missing (as root), else skip (fail in CI)."""
    found = find_browser()
    if found is None:
        apt_install("chromium")
        found = find_browser()
    if found is None:
        message = "headless Chromium is needed (Debian: apt-get install chromium)"
        if os.environ.get("CI"):
            pytest.fail(f"CI: {message}")
        pytest.skip(message)
    return found
