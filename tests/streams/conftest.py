"""Shared fixtures of the stream tests: one small demo landing zone and its stream context."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from medallion.demo import DemoConfig, generate_landing_zone
from medallion.demo.streams.context import StreamContext, read_stream_context

SEED = 42
START_DATE = dt.date(2020, 1, 1)
DAYS = 2
TRANSACTIONS = 300


@pytest.fixture(scope="session")
def demo_landing(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small seeded landing zone (``medallion demo --days 2 --transactions 300``); read only."""
    out = tmp_path_factory.mktemp("streams_demo") / "landing"
    config = DemoConfig(seed=SEED, days=DAYS, transactions=TRANSACTIONS, start_date=START_DATE)
    generate_landing_zone(out, config)
    return out


@pytest.fixture(scope="session")
def stream_context(demo_landing: Path) -> StreamContext:
    """The customers and transactions of ``demo_landing``, for the stream generators."""
    return read_stream_context(demo_landing, seed=SEED, start_date=START_DATE, days=DAYS)
