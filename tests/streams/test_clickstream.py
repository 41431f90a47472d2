"""Clickstream from generator to gold: the generator's truth against a real build.

One module-scoped build (``medallion demo --clean`` landing zone, the generated ``clickstream``
dump, an erasure request for a customer with events, ``medallion build``) answers every test
that reads the warehouse. The user-agent table below is the expected classification of every
real user-agent string the generator sends, checked against silver's enrichment output.
"""

from __future__ import annotations

import datetime as dt
import gzip
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import pytest

from medallion.demo.streams.clickstream import (
    ClickstreamTruth,
    generate_clickstream,
    write_clickstream,
)
from medallion.demo.streams.context import LandingTransaction, StreamContext, read_stream_context
from medallion.demo.streams.kcat import TopicMessage
from medallion.demo.streams.user_agents import ALL_USER_AGENTS
from tests.conftest import PROJECT_DIR, run_cli

SEED = 42
START_DATE = dt.date(2020, 1, 1)
DAYS = 2
SESSIONS = 100

# User agent -> (device type, browser, OS family), as silver must classify them.
USER_AGENT_TABLE: dict[str, tuple[str, str, str | None]] = {
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Safari/537.36": ("desktop", "Chrome", "Windows"),
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0": (
        "desktop",
        "Firefox",
        "Windows",
    ),
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0": ("desktop", "Microsoft Edge", "Windows"),
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Safari/537.36 OPR/115.0.0.0": ("desktop", "Opera", "Windows"),
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/18.1 Safari/605.1.15": ("desktop", "Safari", "Mac"),
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Safari/537.36": ("desktop", "Chrome", "Mac"),
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 14.7; rv:133.0) Gecko/20100101 Firefox/133.0": (
        "desktop",
        "Firefox",
        "Mac",
    ),
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Safari/537.36": ("desktop", "Chrome", "GNU/Linux"),
    "Mozilla/5.0 (X11; Ubuntu; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0": (
        "desktop",
        "Firefox",
        "GNU/Linux",
    ),
    "Mozilla/5.0 (X11; CrOS x86_64 14541.0.0) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Safari/537.36": ("desktop", "Chrome", "Chrome OS"),
    "Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Mobile Safari/537.36": ("mobile", "Chrome Mobile", "Android"),
    "Mozilla/5.0 (Linux; Android 14; SM-S918B) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.6778.81 Mobile Safari/537.36": ("mobile", "Chrome Mobile", "Android"),
    "Mozilla/5.0 (Android 14; Mobile; rv:133.0) Gecko/133.0 Firefox/133.0": (
        "mobile",
        "Firefox Mobile",
        "Android",
    ),
    "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.6778.104 Mobile Safari/537.36 EdgA/131.0.2903.87": (
        "mobile",
        "Microsoft Edge",
        "Android",
    ),
    "Mozilla/5.0 (Linux; Android 14; SAMSUNG SM-S918B) AppleWebKit/537.36 (KHTML, like Gecko) "
    "SamsungBrowser/26.0 Chrome/122.0.0.0 Mobile Safari/537.36": (
        "mobile",
        "Samsung Browser",
        "Android",
    ),
    "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1": (
        "mobile",
        "Mobile Safari",
        "iOS",
    ),
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_7 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) CriOS/131.0.6778.73 Mobile/15E148 Safari/604.1": (
        "mobile",
        "Chrome Mobile iOS",
        "iOS",
    ),
    "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) FxiOS/133.0 Mobile/15E148 Safari/605.1.15": (
        "mobile",
        "Firefox Mobile iOS",
        "iOS",
    ),
    "Mozilla/5.0 (iPad; CPU OS 17_7 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/17.7 Mobile/15E148 Safari/604.1": ("tablet", "Mobile Safari", "iOS"),
    "Mozilla/5.0 (Linux; Android 14; SM-X710) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.6778.81 Safari/537.36": ("tablet", "Chrome", "Android"),
    "Mozilla/5.0 (Linux; Android 13; SM-X200) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/130.0.0.0 Safari/537.36": ("tablet", "Chrome", "Android"),
    "Mozilla/5.0 (Android 14; Tablet; rv:133.0) Gecko/133.0 Firefox/133.0": (
        "tablet",
        "Firefox Mobile",
        "Android",
    ),
    "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)": (
        "bot",
        "Googlebot",
        None,
    ),
    "Mozilla/5.0 (Linux; Android 6.0.1; Nexus 5X Build/MMB29P) AppleWebKit/537.36 "
    "(KHTML, like Gecko) Chrome/131.0.6778.69 Mobile Safari/537.36 "
    "(compatible; Googlebot/2.1; +http://www.google.com/bot.html)": ("bot", "Googlebot", "Android"),
    "Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; bingbot/2.0; "
    "+http://www.bing.com/bingbot.htm) Chrome/131.0.0.0 Safari/537.36": ("bot", "BingBot", None),
    "Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)": (
        "bot",
        "BingBot",
        None,
    ),
}


@dataclass(frozen=True)
class Built:
    """The warehouse after the build, and what went into it."""

    warehouse: Path
    messages: list[TopicMessage]
    truth: ClickstreamTruth
    erased_id: str
    kept_id: str

    def query(self, sql: str) -> list[tuple[Any, ...]]:
        """Rows of ``sql`` on the built warehouse (read only)."""
        with duckdb.connect(str(self.warehouse), read_only=True) as con:
            return con.execute(sql).fetchall()

    def count(self, sql: str) -> int:
        """The single integer ``sql`` returns."""
        return int(self.query(sql)[0][0])


def _customer_email(landing: Path, customer_id: str) -> str:
    for path in sorted(landing.glob("date=*/hour=*/customers.json*")):
        text = gzip.decompress(path.read_bytes()) if path.suffix == ".gz" else path.read_bytes()
        for line in text.decode().splitlines():
            record = json.loads(line)
            if record.get("id") == customer_id and record.get("email"):
                return str(record["email"])
    raise AssertionError(f"customer {customer_id} not in {landing}")


def _requested_ids(landing: Path) -> set[str]:
    ids: set[str] = set()
    for path in landing.glob("date=*/hour=*/erasure-requests.json*"):
        text = gzip.decompress(path.read_bytes()) if path.suffix == ".gz" else path.read_bytes()
        ids.update(str(json.loads(line).get("customer-id")) for line in text.decode().splitlines())
    return ids


def _newsletter_customers(messages: list[TopicMessage]) -> set[str]:
    return {
        json.loads(m.value)["customer_id"]
        for m in messages
        if m.value and "&cid=" in m.value and m.value.endswith("}")
    }


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Built]:
    """Demo landing zone + clickstream dump + one erasure request, built with ``medallion``."""
    root = tmp_path_factory.mktemp("clickstream")
    with pytest.MonkeyPatch.context() as env:
        env.setenv("DBT_TARGET_PATH", str(root / "target"))
        env.setenv("DBT_LOG_PATH", str(root / "logs"))
        env.setenv("MEDALLION_ERASURE_SALT", "test-salt")
        # (not medallion.duckdb: a catalog named like the project schema makes the run
        # record fail with "Ambiguous reference to catalog or schema" in the current checkout)
        warehouse = root / "warehouse" / "clickstream.duckdb"
        landing, dumps = root / "landing", root / "kafka"
        demo = ("demo", "--out", str(landing), "--days", str(DAYS), "--transactions", "300")
        run_cli(*demo, "--clean", warehouse=warehouse)
        context = read_stream_context(landing, seed=SEED, start_date=START_DATE, days=DAYS)
        truth = write_clickstream(dumps, context, sessions=SESSIONS)
        messages, _ = generate_clickstream(context, sessions=SESSIONS)
        # Erase the busiest customer who came from a newsletter (cid in URLs) and is not erased
        # already; keep the busiest other customer as the control.
        already = _requested_ids(landing)
        ranked = sorted(
            (c for c in truth.customer_events if c not in already),
            key=lambda c: (c in _newsletter_customers(messages), truth.customer_events[c]),
            reverse=True,
        )
        erased_id, kept_id = ranked[0], ranked[1]
        request = landing / "date=2020-01-03" / "hour=01" / "erasure-requests.json"
        request.parent.mkdir(parents=True, exist_ok=True)
        email = _customer_email(landing, erased_id)
        request.write_text(json.dumps({"customer-id": erased_id, "email": email}) + "\n")
        run_cli(
            "build", "--landing", str(landing), "--kafka-dumps", str(dumps), warehouse=warehouse
        )
        yield Built(warehouse, messages, truth, erased_id, kept_id)


def _context(seed: int) -> StreamContext:
    start = dt.datetime.combine(START_DATE, dt.time())
    transactions = tuple(
        LandingTransaction(
            f"tx-{n}", f"{100000 + n % 7}", start + dt.timedelta(hours=2 + n), "9.99"
        )
        for n in range(20)
    )
    customers = tuple(f"{100000 + n}" for n in range(7))
    return StreamContext(seed, START_DATE, DAYS, customers, transactions)


def test_generator_is_deterministic_and_truth_adds_up(tmp_path: Path) -> None:
    messages, truth = generate_clickstream(_context(1), sessions=60)
    again, truth_again = generate_clickstream(_context(1), sessions=60)
    other, _ = generate_clickstream(_context(2), sessions=60)
    assert (messages, truth) == (again, truth_again)
    assert [m.value for m in other] != [m.value for m in messages]
    assert (
        truth.messages
        == len(messages)
        == (truth.distinct_events + truth.duplicates + len(truth.invalid))
    )
    assert {i.kind for i in truth.invalid} == {
        "missing_event_id",
        "unknown_event_type",
        "bad_timestamp",
        "not_json",
    }
    assert truth.duplicates > 0 and truth.bot_sessions > 0
    assert truth.sessions > truth.session_ids  # some session ids hold two visits
    assert 0 < truth.matched_purchases < truth.purchases
    assert sum(day.sessions for day in truth.funnel.values()) == truth.sessions - truth.bot_sessions
    values = [json.loads(m.value) for m in messages if m.value and m.value.endswith("}")]
    assert any(value["customer_id"] is None for value in values)  # anonymous visitors
    assert any(value["customer_id"] is not None for value in values)
    for message in messages:  # the key is the session id, so a session stays in one partition
        if message.value and message.value.endswith("}"):
            assert json.loads(message.value).get("session_id") == message.key
    assert write_clickstream(tmp_path, _context(1), sessions=60) == truth
    lines = gzip.decompress((tmp_path / "clickstream" / "clickstream.jsonl.gz").read_bytes())
    envelopes = [json.loads(line) for line in lines.splitlines()]
    assert [(e["partition"], e["offset"]) for e in envelopes] == [
        (m.partition, m.offset) for m in messages
    ]


def test_user_agent_table_covers_every_generated_user_agent() -> None:
    assert set(USER_AGENT_TABLE) == set(ALL_USER_AGENTS)


@pytest.mark.parametrize(
    ("user_agent", "expected"),
    list(USER_AGENT_TABLE.items()),
    ids=[f"{device}-{browser}-{os}" for device, browser, os in USER_AGENT_TABLE.values()],
)
def test_silver_classifies_user_agents(
    built: Built, user_agent: str, expected: tuple[str, str, str | None]
) -> None:
    quoted = user_agent.replace("'", "''")
    rows = built.query(
        "select distinct device_type, browser, os_family, is_bot"
        f" from silver.slv_clickstream_events where user_agent = '{quoted}'"
    )
    assert rows == [(*expected, expected[0] == "bot")]


def test_dedup_and_quarantine_match_truth(built: Built) -> None:
    truth = built.truth
    statuses = dict(
        built.query("select _row_status, count(*) from silver.int_clickstream__checked group by 1")
    )
    assert statuses == {
        "current": truth.distinct_events,
        "duplicate": truth.duplicates,
        "quarantined": len(truth.invalid),
    }
    (events,) = built.query("select count(*) from silver.slv_clickstream_events")
    assert events == (truth.distinct_events,)
    quarantine = built.query(
        "select _kafka_partition, _kafka_offset, _errors from silver.slv_clickstream_quarantine"
    )
    assert sorted(quarantine) == sorted((i.partition, i.offset, [i.reason]) for i in truth.invalid)


def test_sessions_and_daily_funnel_match_truth(built: Built) -> None:
    truth = built.truth
    rows = built.query("select count(*), count(*) filter (where is_bot) from gold.fct_sessions")
    assert rows == [(truth.sessions, truth.bot_sessions)]
    funnel = built.query(
        "select session_date, sessions, sessions_with_page_view, sessions_with_add_to_cart,"
        " sessions_with_checkout, sessions_with_purchase from gold.mart_funnel_daily order by 1"
    )
    assert funnel == [
        (day, c.sessions, c.page_view, c.add_to_cart, c.checkout, c.purchase)
        for day, c in sorted(truth.funnel.items())
    ]


def test_purchases_matched_to_orders(built: Built) -> None:
    rows = built.query(
        "select count(*), count(*) filter (where is_matched),"
        " count(*) filter (where is_matched and order_total is not null"
        " and abs(seconds_to_order) <= 120)"
        " from gold.fct_purchase_conversions"
    )
    truth = built.truth
    assert rows == [(truth.purchases, truth.matched_purchases, truth.matched_purchases)]


def test_erased_customer_loses_link_in_silver_and_gold(built: Built) -> None:
    sessions = ", ".join(f"'{key}'" for key in sorted(_sessions_of(built, built.erased_id)))
    events, linked, erased, with_cid = built.query(
        "select count(*), count(customer_id), count(*) filter (where is_erased),"
        " count(*) filter (where url like '%cid=%' or referrer like '%cid=%')"
        f" from silver.slv_clickstream_events where session_id in ({sessions})"
    )[0]
    assert (events, linked, erased, with_cid) == (
        built.truth.customer_events[built.erased_id],
        0,
        events,
        0,
    )
    gold_sessions, linked, erased = built.query(
        "select count(*), count(customer_id), count(*) filter (where is_customer_erased)"
        f" from gold.fct_sessions where session_id in ({sessions})"
    )[0]
    assert gold_sessions > 0 and (linked, erased) == (0, gold_sessions)
    for table in ("silver.slv_clickstream_events", "gold.fct_sessions"):
        where = "where customer_id = '{}'"
        assert built.count(f"select count(*) from {table} {where.format(built.erased_id)}") == 0
        assert built.count(f"select count(*) from {table} {where.format(built.kept_id)}") > 0


def test_erasure_targets_cover_the_customers_bronze_messages(built: Built) -> None:
    rows = built.query(
        "select _kafka_partition, _kafka_offset, anonymized_record"
        " from silver.int_clickstream__erasure_targets"
    )
    expected = _erased_offsets(built)
    targets = {(p, o): json.loads(str(record)) for p, o, record in rows if (p, o) in expected}
    assert set(targets) == expected
    for record in targets.values():
        assert record["_erased"] is True and record["customer_id"] is None
        assert built.erased_id not in json.dumps(record)


def test_erasure_reaches_bronze(built: Built) -> None:
    records = {
        (p, o): str(record)
        for p, o, record in built.query(
            'select "partition", "offset", record from bronze.kafka_clickstream'
        )
    }
    assert not [record for record in records.values() if built.erased_id in record]
    for offset in _erased_offsets(built):
        assert json.loads(records[offset])["_erased"] is True
    # Rebuilt on the rewritten bronze, silver still knows the events are erased.
    result = run_dbt_clickstream(built.warehouse)
    assert result.returncode == 0, result.stdout[-3000:]
    sessions = ", ".join(f"'{key}'" for key in sorted(_sessions_of(built, built.erased_id)))
    events = built.query(
        "select count(*), count(*) filter (where is_erased and customer_id is null)"
        f" from silver.slv_clickstream_events where session_id in ({sessions})"
    )
    expected = built.truth.customer_events[built.erased_id]
    assert events == [(expected, expected)]
    assert built.count("select count(*) from silver.int_clickstream__erasure_targets") == 0


def _sessions_of(built: Built, customer_id: str) -> set[str]:
    return {
        str(m.key)
        for m in built.messages
        if m.value and f'"customer_id":"{customer_id}"' in m.value
    }


def _erased_offsets(built: Built) -> set[tuple[int, int]]:
    """(partition, offset) of the JSON messages that name the erased customer."""

    def is_json(value: str | None) -> bool:
        try:
            return isinstance(json.loads(value or ""), dict)
        except ValueError:
            return False

    return {
        (m.partition, m.offset)
        for m in built.messages
        if is_json(m.value) and f'"customer_id":"{built.erased_id}"' in (m.value or "")
    }


def run_dbt_clickstream(warehouse: Path) -> subprocess.CompletedProcess[str]:
    """``dbt build`` of the clickstream's silver and gold models only, on ``warehouse``."""
    env = {**os.environ, "MEDALLION_WAREHOUSE": str(warehouse)}
    command = [
        str(Path(sys.executable).with_name("dbt")),
        "build",
        "--select",
        "path:models/silver/streams/clickstream",
        "path:models/gold/streams/clickstream",
        "--project-dir",
        str(PROJECT_DIR),
        "--profiles-dir",
        str(PROJECT_DIR),
    ]
    return subprocess.run(
        command, capture_output=True, text=True, env=env, cwd=PROJECT_DIR, check=False
    )
