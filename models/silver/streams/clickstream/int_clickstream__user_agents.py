"""Device type, browser and OS of every distinct user agent of the valid clickstream events.

A dbt Python model: user-agent strings are classified by device_detector (the Python port of
Matomo's Device Detector, a maintained rule base of browsers, operating systems, devices and
bots), once per distinct string, and the SQL models join the result on user_agent.

device_type is one of
  bot      the library recognised a crawler (its bot name is then the browser)
  desktop  device type desktop, or none detected on a desktop OS family (the library leaves
           the type empty when no device rule matched, e.g. Chrome on Linux; its own
           DESKTOP_OS list then decides, as Matomo does)
  mobile   smartphone, phablet or feature phone
  tablet   tablet
  other    any other device type (TV, console, car browser, wearable, ...)
  unknown  nothing detected
"""

from __future__ import annotations

from typing import Any

import pandas as pd

COLUMNS = {
    "user_agent": "string",
    "device_type": "string",
    "browser": "string",
    "browser_version": "string",
    "os": "string",
    "os_family": "string",
    "device_brand": "string",
    "device_model": "string",
    "is_bot": "boolean",
}
MOBILE_TYPES = {"smartphone", "phablet", "feature phone"}


def _text(value: Any) -> str | None:
    text = str(getattr(value, "value", value) or "").strip()
    return text or None


def classify(user_agent: str) -> dict[str, Any]:
    """The columns of one user agent (see the module docstring)."""
    from device_detector import DeviceDetector  # type: ignore[import-untyped]
    from device_detector.parser.settings import DESKTOP_OS  # type: ignore[import-untyped]

    parsed = DeviceDetector(user_agent).parse()
    details = parsed.all_details
    bot = details.get("bot") or {}
    os_details = details.get("os") or {}
    os_name = _text(os_details.get("name"))
    os_family = _text(os_details.get("family")) or os_name
    detected = _text(parsed.device_type()) or ""
    if bot:
        device_type = "bot"
    elif detected == "desktop" or (not detected and os_family in DESKTOP_OS):
        device_type = "desktop"
    elif detected in MOBILE_TYPES:
        device_type = "mobile"
    elif detected == "tablet":
        device_type = "tablet"
    else:
        device_type = "other" if detected else "unknown"
    return {
        "user_agent": user_agent,
        "device_type": device_type,
        "browser": _text(bot.get("name")) or _text(parsed.client_name()),
        "browser_version": None if bot else _text(parsed.client_version()),
        "os": os_name,
        "os_family": os_family,
        "device_brand": _text(parsed.device_brand()),
        "device_model": _text(parsed.device_model()),
        "is_bot": bool(bot),
    }


def _distinct_user_agents(events: Any) -> list[str]:
    condition = "_row_status = 'current' and user_agent is not null"
    if hasattr(events, "toPandas"):  # a Spark DataFrame
        frame = events.filter(condition).select("user_agent").distinct().toPandas()
    else:  # a DuckDB relation
        frame = events.filter(condition).project("user_agent").distinct().df()
    return sorted(str(value) for value in frame["user_agent"])


def model(dbt: Any, session: Any) -> pd.DataFrame:
    """One row per distinct user agent of the current (valid, de-duplicated) events."""
    dbt.config(materialized="table")
    user_agents = _distinct_user_agents(dbt.ref("int_clickstream__checked"))
    rows = [classify(user_agent) for user_agent in user_agents]
    return pd.DataFrame(rows, columns=list(COLUMNS)).astype(COLUMNS)
