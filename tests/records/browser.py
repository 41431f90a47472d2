"""Open a page in headless Chromium with no network; keep its DOM, console and requests.

One Chromium process per page: ``--dump-dom`` prints the DOM after scripts ran (the virtual
time budget lets them finish), ``--screenshot`` saves what it looks like. Console messages come
from Chromium's own log on stderr (``--enable-logging=stderr``): every console message, whatever
its level, counts (the report has no script at all, and the docs app logs nothing when healthy).
Network: a black-hole proxy and host resolver make any request fail, and Chromium's NetLog
(``--log-net-log``) lists the http(s) requests the page itself made (the browser's own
background requests, e.g. update checks, are told apart by their network isolation key).
"""

from __future__ import annotations

import json
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

BROWSERS = ("chromium", "chromium-browser", "google-chrome")
CONSOLE_MARK = ":CONSOLE"
TIMEOUT_SECONDS = 120


@dataclass(frozen=True)
class PageLoad:
    """What Chromium saw: the DOM, console messages, page requests to the network, screenshot."""

    dom: str
    console: list[str]
    network: list[str]
    screenshot: Path


def find_browser() -> str | None:
    """The Chromium executable on PATH, if any."""
    for name in BROWSERS:
        found = shutil.which(name)
        if found:
            return found
    return None


def _netlog_events(path: Path) -> list[dict[str, Any]]:
    if not path.is_file():
        return []
    text = path.read_text(encoding="utf-8", errors="replace").rstrip()
    try:
        loaded = json.loads(text)
    except ValueError:
        # A log cut short at exit lacks its closing brackets (documented NetLog behaviour).
        loaded = json.loads(text.rstrip(",") + "]}")
    events: list[dict[str, Any]] = loaded.get("events", [])
    return events


def page_requests(netlog: Path) -> list[str]:
    """http(s) URLs requested on behalf of a page opened from a file:// URL."""
    urls = []
    for event in _netlog_events(netlog):
        params = event.get("params") or {}
        url = str(params.get("url", ""))
        isolation = str(params.get("network_isolation_key", ""))
        if url.startswith(("http://", "https://")) and "file://" in isolation:
            urls.append(url)
    return sorted(set(urls))


def open_page(
    browser: str,
    url: str,
    workdir: Path,
    screenshot: Path,
    window: str = "1280,2200",
    budget_ms: int = 8000,
) -> PageLoad:
    """Load ``url`` in headless Chromium with no network; return the DOM, console and requests."""
    workdir.mkdir(parents=True, exist_ok=True)
    netlog = workdir / "netlog.json"
    netlog.unlink(missing_ok=True)
    screenshot.parent.mkdir(parents=True, exist_ok=True)
    command = [
        browser,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        f"--user-data-dir={workdir / 'profile'}",
        # No network: every request goes to a proxy that is not there, no name resolves.
        "--proxy-server=127.0.0.1:9",
        "--host-resolver-rules=MAP * ~NOTFOUND",
        "--enable-logging=stderr",
        "--v=0",
        f"--log-net-log={netlog}",
        f"--virtual-time-budget={budget_ms}",
        f"--window-size={window}",
        "--hide-scrollbars",
        f"--screenshot={screenshot}",
        "--dump-dom",
        url,
    ]
    completed = subprocess.run(
        command, capture_output=True, text=True, timeout=TIMEOUT_SECONDS, check=False
    )
    assert completed.returncode == 0, f"chromium exited {completed.returncode}:\n{completed.stderr}"
    console = [line for line in completed.stderr.splitlines() if CONSOLE_MARK in line]
    return PageLoad(completed.stdout, console, page_requests(netlog), screenshot)
