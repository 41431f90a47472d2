"""Split a generated landing zone into a random sequence of deliveries.

A delivery copies some of the zone's hour folders into a growing landing zone. Seeded:
hours mostly arrive in order, some arrive late (after later hours), erasure-request files
are held back to a later delivery, and some already delivered files are re-delivered with
changed content (a changed delivery country or customer city: a new current version; some
corrected records also move a transaction to another customer or a customer to another
segment).
"""

from __future__ import annotations

import gzip
import json
import random
import shutil
from dataclasses import dataclass
from pathlib import Path

ERASURE_FILE = "erasure-requests.json.gz"


@dataclass(frozen=True)
class Delivery:
    """What one delivery lands: hour folders (relative paths), held-back and changed files."""

    hours: tuple[str, ...]
    erasure_files: tuple[str, ...]
    redelivered: tuple[str, ...]


def hour_folders(zone: Path) -> list[str]:
    """The zone's hour folders (``date=.../hour=..``), in time order."""
    return sorted(p.relative_to(zone).as_posix() for p in zone.glob("date=*/hour=*") if p.is_dir())


def plan_deliveries(zone: Path, rng: random.Random, steps: int) -> list[Delivery]:
    """A random sequence of ``steps`` (>= 3) deliveries that together land the whole zone.

    The hours are cut into ``steps - 1`` consecutive chunks; a few hours of each chunk move to
    a later delivery (late data). Erasure files arrive with a random delivery, the rest with
    the last one, which also brings one late hour and the re-deliveries: so an erasure always
    reaches back to customers and transactions that earlier deliveries brought.
    """
    hours = hour_folders(zone)
    cuts = sorted(rng.sample(range(1, len(hours)), steps - 2))
    chunks = [hours[a:b] for a, b in zip([0, *cuts], [*cuts, len(hours)], strict=True)]
    chunks.append([])
    for index in range(steps - 1):
        for hour in rng.sample(chunks[index], min(2, len(chunks[index]) - 1)):
            chunks[index].remove(hour)
            chunks[rng.randrange(index + 1, steps)].append(hour)
    if not chunks[-1]:
        chunks[-1].append(chunks[0].pop(rng.randrange(len(chunks[0]))))
    erasures = [h + "/" + ERASURE_FILE for h in hours if (zone / h / ERASURE_FILE).exists()]
    deliveries: list[Delivery] = []
    delivered: list[str] = []
    for index, chunk in enumerate(chunks):
        last = index == steps - 1
        held = erasures if last else [f for f in erasures if rng.random() < 0.3]
        erasures = [f for f in erasures if f not in held]
        files = [
            f"{h}/{name}"
            for h in delivered
            for name in ("transactions.json.gz", "customers.json.gz")
            if (zone / h / name).exists()
        ]
        redelivered = tuple(rng.sample(files, min(3, len(files)))) if last or index else ()
        deliveries.append(Delivery(tuple(chunk), tuple(held), redelivered))
        delivered.extend(chunk)
    return deliveries


def land(zone: Path, landing: Path, delivery: Delivery) -> None:
    """Copy a delivery into ``landing`` (erasure files only when the delivery names them)."""
    for hour in delivery.hours:
        for source in sorted((zone / hour).iterdir()):
            if source.name != ERASURE_FILE:
                (landing / hour).mkdir(parents=True, exist_ok=True)
                shutil.copyfile(source, landing / hour / source.name)
    for relative in delivery.erasure_files:
        (landing / relative).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(zone / relative, landing / relative)
    for relative in delivery.redelivered:
        _rewrite_changed(landing / relative)


def _rewrite_changed(path: Path) -> None:
    """Re-deliver a file with changed content: every third record gets a changed field.

    Every sixth record also takes a value of the record before it: a transaction its customer
    (the lines move from one customer to another), a customer its segment. Lines that are not
    JSON (the zone's bad input) stay as they are; a file that is not a complete gzip stream is
    left alone (it is delivered again unchanged, a no-op).
    """
    try:
        lines = gzip.decompress(path.read_bytes()).split(b"\n")
    except (EOFError, OSError):
        return
    changed: list[bytes] = []
    previous: dict[str, object] = {}
    for number, line in enumerate(lines):
        try:
            record = json.loads(line)
        except (json.JSONDecodeError, UnicodeDecodeError):
            changed.append(line)
            continue
        if not isinstance(record, dict):
            changed.append(line)
            continue
        original = dict(record)
        if number % 3 == 0:
            address = record.get("delivery_address")
            moved = "customer_id" if isinstance(address, dict) else "segment"
            if isinstance(address, dict):
                address["country"] = "Redelivered"
            elif "city" in record:
                record["city"] = "Redelivered City"
            if number % 6 == 0 and moved in record and moved in previous:
                record[moved] = previous[moved]
            line = json.dumps(record).encode()
        previous = original
        changed.append(line)
    path.write_bytes(gzip.compress(b"\n".join(changed), mtime=0))
