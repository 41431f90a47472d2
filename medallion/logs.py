"""Scheduler-friendly logs: one line per step, as text or as one JSON object per line.

Everything is logged on stderr through the stdlib ``logging`` module, under the ``medallion``
logger (dlt's and dbt's own loggers are left alone). ``--log-format json`` (or
``$MEDALLION_LOG_FORMAT=json``) makes every line a JSON object (``json.dumps``, one per line):

    {"time": "2026-01-17T10:13:54.233Z", "level": "info", "logger": "medallion.run",
     "message": "ingest ok 2.47s", "step": "ingest", "status": "ok", "seconds": 2.47,
     "counts": {"files": 968, "files_loaded": 0, "rows_loaded": 0}}

The text format says the same on one line: ``<time> <LEVEL> <message> key=value ...``.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import resource
import sys
from collections.abc import Mapping
from enum import StrEnum
from typing import Any

LOGGER_NAME = "medallion"
LOG_FORMAT_ENV = "MEDALLION_LOG_FORMAT"
# The attributes every LogRecord has; anything else on a record came in through ``extra``.
_STANDARD_ATTRIBUTES = frozenset(
    vars(logging.LogRecord("", logging.INFO, "", 0, "", None, None))
) | {"message", "asctime", "taskName"}


class LogFormat(StrEnum):
    """How log lines are written."""

    text = "text"
    json = "json"


def _timestamp(record: logging.LogRecord) -> str:
    moment = dt.datetime.fromtimestamp(record.created, dt.UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def extra_fields(record: logging.LogRecord) -> dict[str, Any]:
    """The fields a record was given through ``extra=``, in the order given."""
    return {k: v for k, v in vars(record).items() if k not in _STANDARD_ATTRIBUTES}


def _plain(value: object) -> object:
    """A JSON-ready value: paths and other objects become their text."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return str(value)


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, then the record's extras."""

    def format(self, record: logging.LogRecord) -> str:
        """The record as one line of JSON (``json.dumps`` escapes newlines and quotes)."""
        line: dict[str, Any] = {
            "time": _timestamp(record),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        line.update({k: _plain(v) for k, v in extra_fields(record).items()})
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False, separators=(", ", ": "))


def _text_value(value: object) -> str:
    """``key=value`` text of a value: quoted (JSON string) when it holds spaces or quotes;
    booleans and None as in JSON (``true``, ``null``)."""
    if value is None or isinstance(value, bool):
        return json.dumps(value)
    if isinstance(value, float):
        return f"{value:g}"
    text = str(value)
    if not text or any(c.isspace() or c in '"=' for c in text):
        return json.dumps(text, ensure_ascii=False)
    return text


class TextFormatter(logging.Formatter):
    """``<time> <LEVEL> <message> key=value ...``: counts flattened, one line always."""

    def format(self, record: logging.LogRecord) -> str:
        """The record as one line of text (newlines in the message are escaped)."""
        parts = [_timestamp(record), f"{record.levelname:<7}", record.getMessage()]
        fields = extra_fields(record)
        for key, value in fields.items():
            if "step" in fields and key in {"step", "status", "seconds"}:
                continue  # already in the message of a step line
            if isinstance(value, Mapping):
                parts.extend(f"{k}={_text_value(v)}" for k, v in value.items())
            else:
                parts.append(f"{key}={_text_value(value)}")
        line = " ".join(parts)
        if record.exc_info:
            line += " " + json.dumps(self.formatException(record.exc_info))
        return line.replace("\r", "\\r").replace("\n", "\\n")


_current = LogFormat.text


def configure_logging(log_format: LogFormat) -> None:
    """Send the ``medallion`` loggers' INFO and above to stderr in ``log_format``."""
    global _current
    _current = log_format
    logger = logging.getLogger(LOGGER_NAME)
    for handler in list(logger.handlers):
        logger.removeHandler(handler)
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter() if log_format is LogFormat.json else TextFormatter())
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    logger.propagate = False


def json_logs() -> bool:
    """True when the logs are JSON (the terminal views stay silent then)."""
    return _current is LogFormat.json


def peak_rss_mb() -> int:
    """The peak resident memory so far of this process or of any child it waited for, in MB.

    On a step's line it shows which step set the run's peak (dbt runs in this process).
    """
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return round(max(own, children) / 1024)  # KiB on Linux


def log_step(
    logger: logging.Logger,
    step: str,
    status: str,
    seconds: float,
    counts: Mapping[str, object] | None = None,
) -> None:
    """One line for a finished (or skipped) step: its name, status, seconds and counts."""
    level = logging.INFO if status in {"ok", "skipped"} else logging.WARNING
    logger.log(
        level,
        f"{step} {status} {seconds:.2f}s",
        extra={
            "step": step,
            "status": status,
            "seconds": round(seconds, 3),
            "counts": dict(counts or {}),
            "peak_rss_mb": peak_rss_mb(),
        },
    )
