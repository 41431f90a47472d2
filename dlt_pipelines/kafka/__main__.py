"""Command line of the Kafka ingest (the medallion CLI wraps the same functions).

    python -m dlt_pipelines.kafka dumps --root DIR --warehouse FILE
    python -m dlt_pipelines.kafka consume --bootstrap HOST:PORT --topics A,B --warehouse FILE
        [--group ID] [--max-messages N] [--idle-timeout S] [--pause-before-commit S]

Prints the report as JSON. ``--pause-before-commit`` sleeps after each load, before
the offset commit, printing ``before-commit loaded=N`` first: a hook for crash tests.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from dlt_pipelines.ingest import IngestError
from dlt_pipelines.kafka.consumer import consume_topics
from dlt_pipelines.kafka.ingest import ingest_kafka_dumps


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m dlt_pipelines.kafka")
    commands = parser.add_subparsers(dest="command", required=True)
    dumps = commands.add_parser("dumps", help="load Kafka dump files into bronze")
    dumps.add_argument("--root", type=Path, required=True)
    dumps.add_argument("--warehouse", type=Path, required=True)
    consume = commands.add_parser("consume", help="consume topics into bronze")
    consume.add_argument("--bootstrap", required=True)
    consume.add_argument("--topics", required=True, help="comma-separated topic names")
    consume.add_argument("--warehouse", type=Path, required=True)
    consume.add_argument("--group", default="medallion")
    consume.add_argument("--max-messages", type=int)
    consume.add_argument("--idle-timeout", type=float, default=10.0)
    consume.add_argument("--batch-messages", type=int)
    consume.add_argument("--pause-before-commit", type=float, default=0.0)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run one command; exit 0 on success, 1 with a one-line message on failure."""
    args = _parser().parse_args(argv)
    try:
        if args.command == "dumps":
            report = ingest_kafka_dumps(args.root, args.warehouse)
        else:
            pause = float(args.pause_before_commit)

            def before_commit(loaded: int) -> None:
                print(f"before-commit loaded={loaded}", flush=True)
                time.sleep(pause)

            report = consume_topics(
                args.bootstrap,
                [topic for topic in args.topics.split(",") if topic],
                args.warehouse,
                group_id=args.group,
                max_messages=args.max_messages,
                idle_timeout_s=args.idle_timeout,
                batch_messages=args.batch_messages,
                before_commit=before_commit if pause > 0 else None,
            )
    except IngestError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    print(json.dumps(report.to_dict(), default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
