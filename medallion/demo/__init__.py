"""Seeded demo-data generator for the landing zone.

``generate_landing_zone(out, DemoConfig(...))`` writes
``out/date=YYYY-MM-DD/hour=HH/{customers,products,transactions,erasure-requests}.json.gz``
(gzipped NDJSON) in exactly the schema of the real GDPR-challenge dataset, with the real data's
anomalies at configurable rates (:class:`AnomalyRates`) and, with ``bad_input=True``, the bad
input the real data lacks (:data:`BAD_INPUT_KINDS`). The returned :class:`Manifest` -- also
written to ``<out>.manifest.json`` -- says what an ingest must find, computed from the bytes
written. Same config, same bytes.

Modules: ``config`` (settings), ``vocab`` (word lists), ``records`` (record factories),
``catalogue`` (customers, products, arrival times), ``transactions`` (fast row streams),
``erasures`` (erasure requests), ``anomalies`` (bad-input plan), ``layout`` (folders, names,
hourly volumes), ``writer`` (deterministic files, line rule), ``manifest`` and ``generator``.
"""

from medallion.demo.anomalies import BAD_INPUT_KINDS
from medallion.demo.config import AnomalyRates, DemoConfig
from medallion.demo.generator import generate_landing_zone
from medallion.demo.manifest import (
    BadInputItem,
    EntityTotals,
    FileEntry,
    Manifest,
    SkippedFile,
    manifest_path,
)

__all__ = [
    "BAD_INPUT_KINDS",
    "AnomalyRates",
    "BadInputItem",
    "DemoConfig",
    "EntityTotals",
    "FileEntry",
    "Manifest",
    "SkippedFile",
    "generate_landing_zone",
    "manifest_path",
]
